"""The model registry: every version of the driver-position model, its status, and which one serves.

Two sources, read once each per run:
- the ledger (train_model_to_predict_position's append-only table): what each training run recorded,
  metadata and artifact sha256 included. Only ledger versions are ever served.
- the artifact store (a directory on DuckDB, a stage on Snowflake), listed in one call: which versions
  have their files. A version claimed by a run that crashed has no metadata.json: it is listed as
  incomplete, never served.

Status of a version: ready (in the ledger, artifact in the store), artifact_missing (in the ledger, not in
the store), incomplete (in the store without metadata.json), not_in_ledger (complete in the store but
unknown to this warehouse: trained elsewhere, so not trusted here).

Which version serves: the one pinned by var model_version; else the newest ready promoted version; else,
when none is promoted, the newest ready version (its predictions are marked is_promoted = false).
"""

import io
import json
import re
import secrets
from pathlib import Path

import pandas as pd

MODEL_NAME = "driver_position"
ARTIFACT_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
NO_VERSION_MESSAGE = (
    "No registered version of model '{name}' in {location}. Run the retrain job first: "
    "`dbt build --selector retrain` (or scripts/run), then the predict job."
)
REGISTRY_COLUMNS = [
    "model_version", "status", "trained_at", "training_first_season", "training_last_season", "validation_season",
    "hold_out_season", "train_rows", "validation_rows", "refit_rows", "model_balanced_accuracy",
    "baseline_balanced_accuracy", "model_macro_f1", "baseline_macro_f1", "model_log_loss", "frequency_log_loss",
    "model_brier_score", "frequency_brier_score", "is_promoted", "promotion_reason", "is_latest", "is_serving",
    "scikit_learn_version", "artifact_path", "artifact_sha256", "metadata_json",
]  # fmt: skip


def version_status(in_ledger: bool, files: set[str] | None) -> str:
    if in_ledger:
        return "ready" if files and ARTIFACT_FILE in files else "artifact_missing"
    return "not_in_ledger" if files and METADATA_FILE in files else "incomplete"


def flatten(metadata: dict) -> dict:
    """The columns a reader compares across versions, from a version's metadata."""
    window, validation = metadata["training_window"], metadata["validation_metrics"]
    model, grid, frequency = validation["model"], validation["grid_baseline"], validation["frequency_baseline"]
    return {
        "training_first_season": window["first_season"],
        "training_last_season": window["last_season"],
        "validation_season": window["validation_season"],
        "hold_out_season": window["hold_out_season"],
        "train_rows": metadata["row_counts"]["train"],
        "validation_rows": metadata["row_counts"]["validation"],
        "refit_rows": metadata["row_counts"]["refit"],
        "model_balanced_accuracy": model["balanced_accuracy"],
        "baseline_balanced_accuracy": grid["balanced_accuracy"],
        "model_macro_f1": model["macro_f1"],
        "baseline_macro_f1": grid["macro_f1"],
        "model_log_loss": model["log_loss"],
        "frequency_log_loss": frequency["log_loss"],
        "model_brier_score": model["brier_score"],
        "frequency_brier_score": frequency["brier_score"],
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


def registry_rows(ledger: pd.DataFrame, stored: dict[str, set[str]], location: str, pinned=None) -> pd.DataFrame:
    """One row per version known to the ledger or the store, oldest first."""
    recorded = {row["model_version"]: row for row in ledger.to_dict("records")}
    if not recorded and not stored:
        raise RuntimeError(NO_VERSION_MESSAGE.format(name=MODEL_NAME, location=location))
    rows = []
    for version in sorted(set(recorded) | set(stored)):
        entry = recorded.get(version)
        row = {"model_version": version, "status": version_status(entry is not None, stored.get(version))}
        row["artifact_path"] = f"{location}/{version}/{ARTIFACT_FILE}"
        if entry is not None:
            row.update(flatten(json.loads(entry["metadata_json"])))
            row.update(
                {key: entry[key] for key in ("trained_at", "artifact_sha256", "metadata_json", "promotion_reason")}
            )
            row["is_promoted"] = bool(entry["is_promoted"])
        else:
            row["is_promoted"] = False
        rows.append(row)
    registry = pd.DataFrame(rows).reindex(columns=REGISTRY_COLUMNS)
    registry["is_promoted"] = registry["is_promoted"].astype(bool)
    ready = registry.loc[registry["status"] == "ready", "model_version"]
    registry["is_latest"] = registry["model_version"] == (ready.max() if not ready.empty else None)
    registry["is_serving"] = registry["model_version"] == serving_version(registry, pinned)
    return registry


# --- engine edges ----------------------------------------------------------------------------------------

VERSION_PATTERN = re.compile(r"^v\d{4,}$")


class DirectoryStore:
    """Versions as folders of a local directory (DuckDB runs): claimed by an exclusive mkdir."""

    def __init__(self, root: str):
        self.folder = Path(root) / MODEL_NAME
        self.location = str(self.folder)

    def list_versions(self) -> dict[str, set[str]]:
        """Every version folder and the files in it; an absent store has none. Other errors fail."""
        try:
            folders = [entry for entry in self.folder.iterdir() if VERSION_PATTERN.match(entry.name)]
            return {folder.name: {file.name for file in folder.iterdir()} for folder in folders}
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise RuntimeError(f"Cannot list the model store {self.location}: {error}") from error

    def claim(self, version: str) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            (self.folder / version).mkdir()
            return True
        except FileExistsError:
            return False

    def write(self, version: str, name: str, payload: bytes) -> None:
        """Write under a temporary name, then rename: a reader sees the whole file or none of it."""
        target = self.folder / version / name
        partial = target.with_name(f".{name}.partial")
        with open(partial, "xb") as file:
            file.write(payload)
        partial.rename(target)

    def read(self, version: str, name: str) -> bytes:
        return (self.folder / version / name).read_bytes()


class StageStore:
    """Versions as paths of a Snowflake stage, through Snowpark's public file API only.

    A stage has no atomic create: a version is claimed by uploading a marker with overwrite=False and
    reading back that the marker is this run's. The ledger's unique test catches the rare double claim.
    """

    def __init__(self, session, stage: str):
        self.session, self.location = session, f"{stage}/{MODEL_NAME}"

    def list_versions(self) -> dict[str, set[str]]:
        try:
            listed = self.session.file.list(f"{self.location}/")
        except Exception as error:  # the stage exists (pre-hook); any failure here is real
            raise RuntimeError(f"Cannot list the model store {self.location}: {error}") from error
        versions = {}
        for entry in listed:
            match = re.search(MODEL_NAME + r"/(v\d{4,})/([^/]+)$", entry.name)
            if match:
                versions.setdefault(match.group(1), set()).add(match.group(2))
        return versions

    def claim(self, version: str) -> bool:
        token = secrets.token_hex(16).encode()
        if not self._put(f"{version}/.claim", token):
            return False
        return self.read(version, ".claim") == token

    def write(self, version: str, name: str, payload: bytes) -> None:
        if not self._put(f"{version}/{name}", payload):
            raise FileExistsError(f"{self.location}/{version}/{name} already exists: version {version} is taken")

    def read(self, version: str, name: str) -> bytes:
        with self.session.file.get_stream(f"{self.location}/{version}/{name}") as stream:
            return stream.read()

    def _put(self, path: str, payload: bytes) -> bool:
        result = self.session.file.put_stream(
            io.BytesIO(payload), f"{self.location}/{path}", auto_compress=False, overwrite=False
        )
        return result.status == "UPLOADED"


def artifact_store(dbt, session):
    settings = dbt.config.get("meta")
    if settings["engine"] == "snowflake":
        return StageStore(session, f"@{dbt.this.database}.{dbt.this.schema}.{settings['model_stage']}")
    return DirectoryStore(settings["model_registry_dir"])


def read_ledger(dbt, settings: dict) -> pd.DataFrame:
    """The training model's ledger; empty when it was never built (a predict run on a fresh database)."""
    try:
        return to_pandas(dbt.ref("train_model_to_predict_position"))
    except Exception as error:
        if not is_missing_table(error, settings):
            raise
        return pd.DataFrame(columns=["model_version"])


def is_missing_table(error: Exception, settings: dict) -> bool:
    """Only "the table does not exist" means an empty ledger; every other error fails the run."""
    if settings["engine"] == "snowflake":
        from snowflake.snowpark.exceptions import SnowparkSQLException

        return isinstance(error, SnowparkSQLException) and "does not exist" in str(error)
    import duckdb

    return isinstance(error, duckdb.CatalogException)


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if settings["engine"] == "snowflake" else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3"], python_version="3.11")
    settings = dbt.config.get("meta")
    store = artifact_store(dbt, session)
    registry = registry_rows(
        read_ledger(dbt, settings), store.list_versions(), store.location, settings["model_version"]
    )
    return to_engine(registry, settings)
