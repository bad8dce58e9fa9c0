"""The model registry: every version of the model, its status, and which one serves.

Two sources, read once each per run:
- the ledger (train_model_to_predict_position's append-only table): what each training run recorded,
  metadata and artifact sha256 included. Only ledger versions are ever served.
- the artifact store, listed in one call: which versions have their files.

Status: ready (in the ledger, artifact in the store), artifact_missing (in the ledger, not in the store),
outdated (recorded by an older release of this project, whose metadata layout prediction no longer reads),
incomplete (in the store without metadata.json: a registration that crashed), not_in_ledger (complete in
the store but unknown to this warehouse: trained elsewhere, so not trusted here).

Which version serves: the one pinned by var model_version; else the newest ready promoted version; else the
newest ready version (its predictions are marked is_promoted = false). The serving version's metadata.json in
the store is read back and checked against the ledger, so a broken copy is reported, not silently ignored.
"""

import json

import pandas as pd

from f1ml.ml.engine import to_pandas
from f1ml.ml.spec import ARTIFACT_FILE, METADATA_FILE, METADATA_LAYOUT, MODEL_NAME
from f1ml.ml.store import list_versions, read_file

REGISTRY_COLUMNS = [
    "model_version", "status", "trained_at", "training_first_season", "training_last_season", "validation_season",
    "hold_out_season", "train_rows", "validation_rows", "refit_rows", "validation_races", "model_accuracy",
    "grid_rule_accuracy", "model_macro_f1", "grid_rule_macro_f1", "model_balanced_accuracy",
    "grid_rule_balanced_accuracy", "model_log_loss", "frequency_log_loss", "model_brier_score",
    "frequency_brier_score", "is_promoted", "promotion_reason", "is_latest", "is_serving", "store_metadata_check",
    "scikit_learn_version", "artifact_path", "artifact_sha256", "metadata_json",
]  # fmt: skip
ENCODING_COLUMNS = [
    "model_version", "feature", "encoding", "value", "encoded_index", "missing_filled_with", "center", "scale",
]  # fmt: skip
VALIDATION_COLUMNS = [
    "model_accuracy", "grid_rule_accuracy", "model_macro_f1", "grid_rule_macro_f1", "model_balanced_accuracy",
    "grid_rule_balanced_accuracy", "model_log_loss", "frequency_log_loss", "model_brier_score",
    "frequency_brier_score",
]  # fmt: skip


def retrain_message(location: str, stored: dict) -> str:
    if stored:
        return (
            f"No version of model '{MODEL_NAME}' is recorded in this database's ledger "
            f"(train_model_to_predict_position); the store {location} holds {', '.join(sorted(stored))}, trained "
            "against another database, which this one does not trust. Run the retrain job first: "
            "`dbt build --selector retrain` (or scripts/run), then the predict job."
        )
    return (
        f"No registered version of model '{MODEL_NAME}' in {location}. Run the retrain job first: "
        "`dbt build --selector retrain` (or scripts/run), then the predict job."
    )


def version_status(metadata: dict | None, files: set[str] | None) -> str:
    if metadata is not None:
        if metadata.get("metadata_layout") != METADATA_LAYOUT:
            return "outdated"
        return "ready" if files and ARTIFACT_FILE in files else "artifact_missing"
    return "not_in_ledger" if files and METADATA_FILE in files else "incomplete"


def flatten(metadata: dict) -> dict:
    """The columns a reader compares across versions, from a version's metadata."""
    window, validation = metadata["training_window"], metadata["validation_metrics"]
    return {
        "training_first_season": window["first_season"],
        "training_last_season": window["last_season"],
        "validation_season": window["validation_season"],
        "hold_out_season": window["hold_out_season"],
        "train_rows": metadata["row_counts"]["train"],
        "validation_rows": metadata["row_counts"]["validation"],
        "refit_rows": metadata["row_counts"]["refit"],
        "validation_races": validation.get("races"),
        **{column: validation.get(column) for column in VALIDATION_COLUMNS},
        "scikit_learn_version": metadata["library_versions"]["scikit-learn"],
    }


def serving_version(registry: pd.DataFrame, pinned) -> str | None:
    """The pinned version, else the newest ready promoted one, else the newest ready one."""
    if pinned not in (None, ""):
        if str(pinned) not in set(registry["model_version"]):
            raise ValueError(
                f"model_version={pinned} is not registered; registered: {', '.join(registry['model_version'])}"
            )
        return str(pinned)
    ready = registry[registry["status"] == "ready"]
    promoted = ready[ready["is_promoted"].astype(bool)]
    for candidates in (promoted, ready):
        if not candidates.empty:
            return candidates["model_version"].max()
    return None


def store_metadata_check(store, version: str, recorded: dict) -> str:
    """`ok`, or what is wrong with the store's metadata.json of a version (the ledger's copy is what serves)."""
    path = f"{store.location}/{version}/{METADATA_FILE}"
    try:
        payload = read_file(store, version, METADATA_FILE)
    except Exception as error:  # a file gone from a directory or a stage: the ledger's copy still serves
        return f"missing: {path} cannot be read ({type(error).__name__}); the ledger's copy is used"
    try:
        stored = json.loads(payload)
    except ValueError as error:
        return f"unreadable: {path} is not valid JSON ({error}); the ledger's copy is used"
    if stored != recorded:
        return f"differs: {path} is not what the ledger recorded; the ledger's copy is used"
    return "ok"


def registry_rows(ledger: pd.DataFrame, stored: dict[str, set[str]], location: str, pinned=None) -> pd.DataFrame:
    """One row per version known to the ledger or the store, oldest first."""
    recorded = {row["model_version"]: row for row in ledger.to_dict("records")}
    if not recorded:
        raise RuntimeError(retrain_message(location, stored))
    rows = []
    for version in sorted(set(recorded) | set(stored)):
        entry = recorded.get(version)
        metadata = json.loads(entry["metadata_json"]) if entry is not None else None
        row = {"model_version": version, "status": version_status(metadata, stored.get(version))}
        row["artifact_path"] = f"{location}/{version}/{ARTIFACT_FILE}"
        row["is_promoted"] = bool(entry["is_promoted"]) if entry is not None else False
        if entry is not None:
            row.update(
                {key: entry[key] for key in ("trained_at", "artifact_sha256", "metadata_json", "promotion_reason")}
            )
        if row["status"] == "ready":
            row.update(flatten(metadata))
        rows.append(row)
    registry = pd.DataFrame(rows).reindex(columns=REGISTRY_COLUMNS)
    registry["store_metadata_check"] = registry["store_metadata_check"].astype("object")
    registry["is_promoted"] = registry["is_promoted"].astype(bool)
    ready = registry.loc[registry["status"] == "ready", "model_version"]
    registry["is_latest"] = registry["model_version"] == (ready.max() if not ready.empty else None)
    registry["is_serving"] = registry["model_version"] == serving_version(registry, pinned)
    return registry


def read_registry(store, ledger: pd.DataFrame, pinned) -> pd.DataFrame:
    """The registry of a store and a ledger, the serving version's store metadata checked."""
    registry = registry_rows(ledger, list_versions(store), store.location, pinned)
    for index in registry.index[registry["is_serving"] & (registry["status"] == "ready")]:
        recorded = json.loads(registry.at[index, "metadata_json"])
        registry.at[index, "store_metadata_check"] = store_metadata_check(
            store, registry.at[index, "model_version"], recorded
        )
    return registry


def read_ledger(dbt, engine: str) -> pd.DataFrame:
    """The training model's ledger; empty when it was never built (a predict run on a fresh database)."""
    try:
        return to_pandas(dbt.ref("train_model_to_predict_position"))
    except Exception as error:
        if not is_missing_table(error, engine):
            raise
        return pd.DataFrame(columns=["model_version"])


def is_missing_table(error: Exception, engine: str) -> bool:
    """Only "the table does not exist" means an empty ledger; every other error fails the run."""
    if engine == "snowflake":
        from snowflake.snowpark.exceptions import SnowparkSQLException

        return isinstance(error, SnowparkSQLException) and "does not exist" in str(error)
    import duckdb

    return isinstance(error, duckdb.CatalogException)


def encoding_rows(registry: pd.DataFrame) -> pd.DataFrame:
    """What each recorded version's encoders do (metadata `encoding`), one row per version and encoded column."""
    rows = []
    recorded = registry[registry["metadata_json"].notna()]
    for version, metadata_json in zip(recorded["model_version"], recorded["metadata_json"], strict=True):
        for entry in json.loads(metadata_json)["encoding"]:
            rows.append({"model_version": version, **entry})
    return pd.DataFrame(rows, columns=ENCODING_COLUMNS)
