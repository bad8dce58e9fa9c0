"""Print the README's metrics table from a built database: the model against the grid baseline.

Hold-out rows come from main.ml_holdout_evaluation (the registered model scored on the hold-out season),
validation rows from main.ml_model_registry (the latest version's metrics on its validation season).
tests/python/test_pipeline_e2e.py checks that the README holds exactly what this prints after a fresh run.
"""

import argparse
import json
import os
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
HEADER = (
    "| predictor | rows scored | balanced accuracy | macro F1 | accuracy | recall podium | recall points "
    "| recall no points |\n|---|---|---|---|---|---|---|---|"
)


def row(label: str, rows: int, metrics: dict) -> str:
    values = [metrics[key] for key in ("balanced_accuracy", "macro_f1", "accuracy")]
    values += [metrics["recall_by_class"][label_id] for label_id in ("1", "2", "3")]
    return f"| {label} | {rows} | " + " | ".join(f"{value:.3f}" for value in values) + " |"


def metrics_table(con) -> str:
    (version, metadata_json) = con.sql(
        "select model_version, metadata_json from main.ml_model_registry where is_latest"
    ).fetchall()[0]
    metadata = json.loads(metadata_json)
    window = metadata["training_window"]
    lines = [HEADER]
    for predictor, label in (("model", f"model {version}"), ("grid_baseline", "grid baseline")):
        (rows, balanced, macro_f1, accuracy, podium, points, no_points) = con.sql(
            "select row_count, balanced_accuracy, macro_f1, accuracy, recall_podium, recall_points, recall_no_points "
            f"from main.ml_holdout_evaluation where predictor = '{predictor}'"
        ).fetchall()[0]
        hold_out = {"balanced_accuracy": balanced, "macro_f1": macro_f1, "accuracy": accuracy}
        hold_out["recall_by_class"] = {"1": podium, "2": points, "3": no_points}
        lines.append(row(f"{label}, hold-out {window['holdout_season']}", rows, hold_out))
    for predictor, label in (("model", f"model {version}"), ("grid_baseline", "grid baseline")):
        validation = metadata["validation_metrics"][predictor]
        lines.append(row(f"{label}, validation {window['validation_season']}", validation["rows"], validation))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=str(PROJECT_DIR / os.environ.get("F1_DUCKDB_PATH", "formula1.duckdb")))
    args = parser.parse_args()
    with duckdb.connect(args.database, read_only=True) as con:
        print(metrics_table(con))


if __name__ == "__main__":
    main()
