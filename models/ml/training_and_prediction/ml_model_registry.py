"""The model registry: one row per registered version of the driver-position model, oldest first.

Rebuilt from the artifact store on every run (a directory on DuckDB, a stage on Snowflake), so it lists
every version ever trained with its validation metrics, and model decay across retrains stays visible.
Versions are numbered without gaps (v0001, v0002, ...): the listing stops at the first missing number.
"""

import json
from pathlib import Path

import pandas as pd

MODEL_NAME = "driver_position"
NO_VERSION_MESSAGE = (
    "No registered version of model '{name}' in {location}. Run the retrain job first: "
    "`dbt build --selector retrain` (or scripts/run), then the predict job."
)


def registry_rows(metadata_documents: list[dict], artifact_location: str) -> pd.DataFrame:
    """Flatten each version's metadata.json into one row; the newest is flagged is_latest."""
    rows = []
    for meta in metadata_documents:
        window, metrics = meta["training_window"], meta["validation_metrics"]
        rows.append(
            {
                "model_version": meta["model_version"],
                "trained_at": meta["trained_at"],
                "training_first_season": window["first_season"],
                "training_last_season": window["last_season"],
                "validation_season": window["validation_season"],
                "holdout_season": window["holdout_season"],
                "train_rows": meta["row_counts"]["train"],
                "validation_rows": meta["row_counts"]["validation"],
                "refit_rows": meta["row_counts"]["refit"],
                "model_balanced_accuracy": metrics["model"]["balanced_accuracy"],
                "baseline_balanced_accuracy": metrics["grid_baseline"]["balanced_accuracy"],
                "model_macro_f1": metrics["model"]["macro_f1"],
                "baseline_macro_f1": metrics["grid_baseline"]["macro_f1"],
                "model_accuracy": metrics["model"]["accuracy"],
                "baseline_accuracy": metrics["grid_baseline"]["accuracy"],
                "scikit_learn_version": meta["library_versions"]["scikit-learn"],
                "joblib_version": meta["library_versions"]["joblib"],
                "python_version": meta["library_versions"]["python"],
                "artifact_path": f"{artifact_location}/{MODEL_NAME}/{meta['model_version']}/{meta['artifact_file']}",
                "artifact_sha256": meta["artifact_sha256"],
                "metadata_json": json.dumps(meta),
            }
        )
    registry = pd.DataFrame(rows)
    registry["is_latest"] = registry["model_version"] == registry["model_version"].max()
    return registry


def read_all_metadata(reader) -> list[dict]:
    documents, number = [], 1
    while (payload := reader.read(f"{MODEL_NAME}/v{number:04d}/metadata.json")) is not None:
        documents.append(json.loads(payload))
        number += 1
    if not documents:
        raise RuntimeError(NO_VERSION_MESSAGE.format(name=MODEL_NAME, location=reader.location))
    return documents


# --- engine edges ----------------------------------------------------------------------------------------


class DirectoryReader:
    """Artifacts in a local directory (DuckDB runs)."""

    def __init__(self, root: str):
        self.location = root

    def read(self, path: str) -> bytes | None:
        file = Path(self.location) / path
        return file.read_bytes() if file.exists() else None


class StageReader:
    """Artifacts on a Snowflake stage, through Snowpark's public file API only."""

    def __init__(self, session, stage: str):
        self.session, self.location = session, stage

    def read(self, path: str) -> bytes | None:
        try:
            with self.session.file.get_stream(f"{self.location}/{path}") as stream:
                return stream.read()
        except Exception:  # Snowpark raises a generic error for a missing stage file
            return None


def artifact_reader(dbt, session):
    settings = dbt.config.get("meta")
    if hasattr(session, "file"):  # Snowpark session
        return StageReader(session, f"@{dbt.this.database}.{dbt.this.schema}.{settings['model_stage']}")
    return DirectoryReader(settings["model_registry_dir"])


def to_engine(frame: pd.DataFrame, session) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if hasattr(session, "file") else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3"], python_version="3.11")
    # Depends on training so a full build lists the version it just registered. The predict-only job
    # does not rebuild training; the store, not that table, is the source of truth, so it is not read.
    if False:  # a parse-time edge for dbt's DAG (dbt reads refs from the source), never executed
        dbt.ref("train_model_to_predict_position")
    reader = artifact_reader(dbt, session)
    return to_engine(registry_rows(read_all_metadata(reader), reader.location), session)
