"""How the model's settings were chosen: variants scored on the selection seasons only.

For each selection season s (var selection_seasons in dbt_project.yml: seasons before the first backtest
season), a variant is fitted on the `training_seasons` seasons before s, as the retrain job would, and
scored on s. No backtest season is read. Prints, per variant, the mean over the selection seasons of
balanced accuracy (against the grid rule) and log loss (against the grid-slot frequency baseline).
Reads main.ml_data_prep from a built database (scripts/run).

    f1-model-selection [--database formula1.duckdb]
"""

import argparse
import warnings

import duckdb
import numpy as np
import yaml
from sklearn.metrics import balanced_accuracy_score

from f1ml import PROJECT_DIR, default_database, import_file

# The training model's own functions and settings: variants differ from it only where they say.
train = import_file("models/ml/training_and_prediction/train_model_to_predict_position.py")
QUALIFYING = ["qualifying_position", "qualifying_gap_to_pole_pct", "grid_penalty_places", "teammate_grid_delta",
              "teammate_qualifying_gap_pct"]  # fmt: skip
STANDINGS = ["driver_standing_before", "driver_points_share_before", "constructor_standing_before",
             "constructor_points_share_before"]  # fmt: skip
FORM = [feature for feature in train.NUMERIC_FEATURES if feature not in ["pit_lane_start", *QUALIFYING, *STANDINGS]]
GRID = ["pit_lane_start"]
# name: (numeric features, nominal features, C, class weight, decision rule)
VARIANTS = {
    "grid spline only, argmax": (GRID, [], 1.0, None, "argmax"),
    "grid spline only": (GRID, [], 1.0, None, "prior"),
    "+ qualifying": (GRID + QUALIFYING, [], 1.0, None, "prior"),
    "+ qualifying, standings": (GRID + QUALIFYING + STANDINGS, [], 1.0, None, "prior"),
    "+ qualifying, standings, form (all), C=1": (train.NUMERIC_FEATURES, [], 1.0, None, "prior"),
    "all, C=0.3": (train.NUMERIC_FEATURES, [], 0.3, None, "prior"),
    "all, C=0.1 (chosen)": (train.NUMERIC_FEATURES, [], 0.1, None, "prior"),
    "all, C=0.03": (train.NUMERIC_FEATURES, [], 0.03, None, "prior"),
    "all, C=0.1, balanced class weights, argmax": (train.NUMERIC_FEATURES, [], 0.1, "balanced", "argmax"),
    "all + team one-hot, C=0.1": (train.NUMERIC_FEATURES, ["constructor_team"], 0.1, None, "prior"),
    "all + team and driver one-hot, C=0.1": (
        train.NUMERIC_FEATURES, ["constructor_team", "driver_ref"], 0.1, None, "prior"
    ),
}  # fmt: skip


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def score_variant(data, seasons, training_seasons, numeric, nominal, c, class_weight, rule):
    """Mean balanced accuracy and log loss over `seasons`, each predicted by a fit on the seasons before it."""
    balanced, log_loss = [], []
    for season in seasons:
        fit_rows = data[data["race_year"].between(season - training_seasons, season - 1)]
        scored = data[data["race_year"] == season]
        features = [train.SPLINE_FEATURE, *numeric, *nominal]
        pipeline = train.build_pipeline(numeric=numeric, nominal=nominal, c=c)
        pipeline.set_params(classify__class_weight=class_weight)
        probabilities = pipeline.fit(fit_rows[features], fit_rows[train.LABEL]).predict_proba(scored[features])
        priors = train.class_priors(fit_rows[train.LABEL]) if rule == "prior" else np.ones(3)
        predicted = train.decide(probabilities, priors)
        balanced.append(balanced_accuracy_score(scored[train.LABEL], predicted))
        log_loss.append(train.probability_metrics(scored[train.LABEL], probabilities)["log_loss"])
    return float(np.mean(balanced)), float(np.mean(log_loss))


def baselines(data, seasons, training_seasons):
    balanced, log_loss = [], []
    for season in seasons:
        fit_rows = data[data["race_year"].between(season - training_seasons, season - 1)]
        scored = data[data["race_year"] == season]
        frequencies = train.grid_slot_frequencies(fit_rows[train.SPLINE_FEATURE], fit_rows[train.LABEL])
        probabilities = train.frequency_probabilities(frequencies, scored[train.SPLINE_FEATURE])
        balanced.append(balanced_accuracy_score(scored[train.LABEL], scored[train.BASELINE]))
        log_loss.append(train.probability_metrics(scored[train.LABEL], probabilities)["log_loss"])
    return float(np.mean(balanced)), float(np.mean(log_loss))


def selection_report(database: str) -> str:
    """The variants' scores on the selection seasons, as a Markdown table with one line of context."""
    settings = project_vars()
    seasons, training_seasons = [int(s) for s in settings["selection_seasons"]], int(settings["training_seasons"])
    with duckdb.connect(database, read_only=True) as con:
        data = con.sql(
            f"select * from main.ml_data_prep where race_year between {min(seasons) - training_seasons} "
            f"and {max(seasons)}"
        ).df()
    missing = [s for s in seasons if not (data["race_year"] == s).any() or not (data["race_year"] < s).any()]
    if missing:
        raise SystemExit(
            f"model selection: selection season(s) {', '.join(map(str, missing))} (var selection_seasons) have no "
            f"rows, or no earlier season, in main.ml_data_prep of {database}; set selection_seasons to seasons "
            "this data holds"
        )
    data = train.canonical_rows(data)  # as training fits them
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    grid_balanced, frequency_log_loss = baselines(data, seasons, training_seasons)
    lines = [
        f"Means over the selection seasons {', '.join(map(str, seasons))}, each predicted by a fit on the "
        f"{training_seasons} seasons before it (f1-model-selection):",
        "",
        f"| variant | balanced accuracy | vs grid rule ({grid_balanced:.3f}) | log loss "
        f"| vs frequency baseline ({frequency_log_loss:.3f}) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, variant in VARIANTS.items():
        balanced, log_loss = score_variant(data, seasons, training_seasons, *variant)
        gains = f"{balanced - grid_balanced:+.3f} | {log_loss:.3f} | {log_loss - frequency_log_loss:+.3f}"
        lines.append(f"| {name} | {balanced:.3f} | {gains} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(default_database()))
    print(selection_report(parser.parse_args().database))


if __name__ == "__main__":
    main()
