"""Predict the hold-out rows with the serving model version, in one UDF pass that runs in the engine.

1. The version: ml_model_registry's serving row (pinned by var model_version, else the newest promoted,
   else the newest, whose rows are then marked is_promoted = false; var require_promoted_model turns that
   case into an error).
2. Trust: the artifact's sha256 must equal the one the ledger (train_model_to_predict_position's
   append-only table) recorded at training time, checked BEFORE unpickling; the features and decision rule
   come from the ledger's metadata too. Replacing the artifact and its metadata.json together is refused.
3. One scoring pass: a vectorized UDF (DuckDB create_function / Snowpark udf.register) returns, per row,
   the three class probabilities and the predicted class; the engine picks the columns from that array.
"""

import hashlib
import inspect
import io
import json
import re
import secrets
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

MODEL_NAME = "driver_position"
UDF_NAME = "score_driver_position"
CLASSES = [1, 2, 3]
# What each hold-out row keeps next to its scores (the features stay in hold_out_dataset_for_prediction).
ROW_COLUMNS = [
    "driver_race_id", "race_id", "driver_id", "race_year", "race_round", "race_date", "race_name", "circuit_name",
    "driver_ref", "driver_name", "constructor_team", "grid", "grid_position", "position", "position_label",
    "grid_baseline_label", "hold_out_season",
]  # fmt: skip
# The UDF's array, in order (1-based in DuckDB SQL, 0-based in Snowpark).
SCORES = ["prob_podium", "prob_points", "prob_no_points", "predicted_position_label"]


def is_true(setting) -> bool:
    """A boolean var as it reaches a Python model through config meta (rendered to text)."""
    return str(setting).strip().lower() in ("true", "1", "yes")


def serving_row(registry: pd.DataFrame, require_promoted: bool) -> pd.Series:
    """The version ml_model_registry marks as serving, checked to be usable."""
    serving = registry[registry["is_serving"].astype(bool)]
    if serving.empty:
        statuses = ", ".join(f"{v} {s}" for v, s in zip(registry["model_version"], registry["status"], strict=True))
        raise RuntimeError(
            f"No version of the model can serve ({statuses}): run the retrain job (scripts/run), or restore the "
            "artifact store the ledger points to."
        )
    row = serving.iloc[0]
    if row["status"] != "ready":
        raise RuntimeError(f"model_version={row['model_version']} cannot serve: its status is {row['status']}")
    if require_promoted and not bool(row["is_promoted"]):
        raise RuntimeError(
            f"require_promoted_model is true and {row['model_version']}, the newest version, is not promoted "
            f"({row['promotion_reason']}). Retrain a better model, or pin a version with --vars model_version."
        )
    return row


def ledger_entry(ledger: pd.DataFrame, version: str) -> pd.Series:
    entry = ledger[ledger["model_version"] == version]
    if len(entry) != 1:
        raise RuntimeError(f"{version} has {len(entry)} rows in the ledger (train_model_to_predict_position), not 1")
    return entry.iloc[0]


def verified_model(artifact: bytes, expected_sha256: str, trained_with: dict, source: str):
    """Unpickle only an artifact whose sha256 matches the ledger, built by this scikit-learn version."""
    actual = hashlib.sha256(artifact).hexdigest()
    if actual != expected_sha256:
        raise ValueError(
            f"Refusing to load {source}: its sha256 is {actual}, the ledger recorded {expected_sha256} at "
            "training time. The artifact changed after training; retrain, or pin another version with --vars "
            "model_version."
        )
    if trained_with["scikit-learn"] != sklearn.__version__:
        raise ValueError(
            f"{source} was trained with scikit-learn {trained_with['scikit-learn']}, this environment has "
            f"{sklearn.__version__}: predictions would not be reproducible. Install the trained version."
        )
    return joblib.load(io.BytesIO(artifact))


def decide(probabilities: np.ndarray, priors) -> np.ndarray:
    """The class whose probability is largest relative to its training frequency; ties go to the better finish.

    For balanced accuracy (mean recall over classes) this beats the plain argmax, and it leaves the
    probabilities themselves untouched.
    """
    return np.array(CLASSES)[np.argmax(probabilities / np.asarray(priors, dtype="float64"), axis=1)]


def score(pipeline, priors, features: pd.DataFrame) -> np.ndarray:
    """The UDF body: per row, the probabilities of classes 1, 2, 3 and the predicted class."""
    probabilities = pipeline.predict_proba(features)
    return np.column_stack([probabilities, decide(probabilities, priors)])


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


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def predict_on_duckdb(session, relation, scorer, features: list[str], version: str, promoted: bool):
    import duckdb
    import pyarrow as pa

    def udf(*columns):
        frame = pd.DataFrame({name: column.to_pandas() for name, column in zip(features, columns, strict=True)})
        return pa.array(scorer(frame).tolist(), type=pa.list_(pa.float64()))

    # DuckDB counts the function's parameters: spell out one per feature instead of *columns.
    positional = inspect.Parameter.POSITIONAL_ONLY
    udf.__signature__ = inspect.Signature([inspect.Parameter(f"arg{i}", positional) for i in range(len(features))])
    double = duckdb.sqltype("DOUBLE")
    session.create_function(
        UDF_NAME, udf, [double] * len(features), duckdb.list_type(double), type="arrow", null_handling="special",
        side_effects=True,  # evaluated once per row: never folded, copied or re-run by the optimizer
    )  # fmt: skip
    arguments = ", ".join(f"cast({feature} as double)" for feature in features)
    scored = relation.project(f"{', '.join(ROW_COLUMNS)}, {UDF_NAME}({arguments}) as scores")
    picked = [f"scores[{i + 1}] as {name}" for i, name in enumerate(SCORES[:-1])]
    picked.append(f"cast(scores[{len(SCORES)}] as integer) as {SCORES[-1]}")
    return scored.project(
        f"{', '.join(ROW_COLUMNS)}, {', '.join(picked)}, '{version}' as model_version, {promoted} as is_promoted"
    )


def predict_on_snowpark(session, dataframe, scorer, features: list[str], version: str, promoted: bool, packages):
    from snowflake.snowpark import functions as F
    from snowflake.snowpark import types as T

    def udf(frame: pd.DataFrame) -> pd.Series:
        frame.columns = features
        return pd.Series(scorer(frame).tolist())

    scoring = session.udf.register(
        udf,
        return_type=T.PandasSeriesType(T.ArrayType(T.DoubleType())),
        input_types=[T.PandasDataFrameType([T.DoubleType()] * len(features))],
        name=UDF_NAME,
        is_permanent=False,
        replace=True,
        packages=packages,
    )
    row_columns = [F.col(name.upper()) for name in ROW_COLUMNS]
    arguments = [F.col(feature.upper()).cast(T.DoubleType()) for feature in features]
    scored = dataframe.select(*row_columns, scoring(*arguments).alias("SCORES"))
    picked = [F.col("SCORES")[i].cast(T.DoubleType()).alias(name.upper()) for i, name in enumerate(SCORES[:-1])]
    picked.append(F.col("SCORES")[len(SCORES) - 1].cast(T.LongType()).alias(SCORES[-1].upper()))
    return scored.select(
        *row_columns, *picked, F.lit(version).alias("MODEL_VERSION"), F.lit(promoted).alias("IS_PROMOTED")
    )


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["pandas==2.2.3", "scikit-learn==1.5.2", "joblib==1.4.2", "numpy"],
        python_version="3.11",
    )
    settings = dbt.config.get("meta")
    serving = serving_row(to_pandas(dbt.ref("ml_model_registry")), is_true(settings["require_promoted_model"]))
    version = serving["model_version"]
    entry = ledger_entry(to_pandas(dbt.ref("train_model_to_predict_position")), version)
    metadata = json.loads(entry["metadata_json"])
    store = artifact_store(dbt, session)
    source = f"{store.location}/{version}/{metadata['artifact_file']}"
    pipeline = verified_model(
        store.read(version, metadata["artifact_file"]), entry["artifact_sha256"], metadata["library_versions"], source
    )
    priors = metadata["decision_rule"]["class_priors"]
    features = metadata["features"]["all"]

    def scorer(frame):
        return score(pipeline, priors, frame)

    hold_out = dbt.ref("hold_out_dataset_for_prediction")
    promoted = bool(serving["is_promoted"])
    if settings["engine"] == "snowflake":
        packages = dbt.config.get("packages")  # the UDF runs with the model's own pinned packages
        return predict_on_snowpark(session, hold_out, scorer, features, version, promoted, packages)
    return predict_on_duckdb(session, hold_out, scorer, features, version, promoted)
