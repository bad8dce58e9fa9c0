"""Compare model variants on validation seasons only: how the training model's settings were chosen.

Rolling-origin validation inside the training window: for each validation season v (default the last three
training seasons), fit on the training seasons before v and score v; the hold-out season is never read.
Reads main.training_testing_dataset from a built database. Prints one line per variant.

    python scripts/model_selection.py [--database formula1.duckdb] [--folds 3]
"""

import argparse
import os
import sys
import warnings
from pathlib import Path

import duckdb
from sklearn.metrics import balanced_accuracy_score

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR / "tests" / "python"))
from conftest import load_model_file  # noqa: E402

train = load_model_file("models/ml/training_and_prediction/train_model_to_predict_position.py")
FORM = ["driver_recent_finish", "constructor_recent_finish"]
BASE_NUMERIC = [feature for feature in train.NUMERIC_FEATURES if feature not in FORM]
VARIANTS = {
    "grid position only": dict(nominal=[], numeric=["grid_position"], c=1.0),
    "without recent form, C=1": dict(nominal=train.NOMINAL_FEATURES, numeric=BASE_NUMERIC, c=1.0),
    "with recent form, C=1": dict(nominal=train.NOMINAL_FEATURES, numeric=train.NUMERIC_FEATURES, c=1.0),
    "with recent form, C=0.1": dict(nominal=train.NOMINAL_FEATURES, numeric=train.NUMERIC_FEATURES, c=0.1),
    "with recent form, C=0.03 (chosen)": dict(nominal=train.NOMINAL_FEATURES, numeric=train.NUMERIC_FEATURES),
    "numeric features only, C=1": dict(nominal=[], numeric=train.NUMERIC_FEATURES, c=1.0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(PROJECT_DIR / os.environ.get("F1_DUCKDB_PATH", "formula1.duckdb")))
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    with duckdb.connect(args.database, read_only=True) as con:
        data = con.sql("select * from main.training_testing_dataset").df()
    seasons = sorted(data["race_year"].unique())[-args.folds :]
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    def scores(predict):
        return [balanced_accuracy_score(data.loc[data["race_year"] == s, train.LABEL], predict(s)) for s in seasons]

    def report(name, values):
        cells = "  ".join(f"{v:.3f}" for v in values)
        print(f"{name:<36} {cells}  mean {sum(values) / len(values):.3f}")

    print(f"balanced accuracy on validation seasons {', '.join(map(str, seasons))} (no hold-out result is read)")
    report("grid baseline", scores(lambda s: data.loc[data["race_year"] == s, train.BASELINE]))
    for name, settings in VARIANTS.items():
        features = settings["nominal"] + settings["numeric"]

        def fit_and_predict(season, settings=settings, features=features):
            before, during = data[data["race_year"] < season], data[data["race_year"] == season]
            return train.build_pipeline(**settings).fit(before[features], before[train.LABEL]).predict(during[features])

        report(name, scores(fit_and_predict))


if __name__ == "__main__":
    main()
