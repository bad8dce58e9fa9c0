"""Train the finishing-position model, judge it on its validation season, register a new version.

- Features are numbers computed in SQL (ml_data_prep). The Pipeline imputes a missing value with the
  training median and scales it, and expands the grid slot into a spline; it is fitted on training rows
  only and saved with the classifier, so prediction encodes exactly as training did.
- The classifier is an unweighted multinomial logistic regression, so its probabilities are calibrated
  estimates. The predicted class divides each probability by the class's training frequency (the rule
  that maximises balanced accuracy) instead of distorting the probabilities with class weights.
- Validation respects time: fit on the seasons before the last training season, score that season,
  against the grid rule (balanced accuracy) and the grid-slot frequency baseline (log loss).
- Promotion gate: a version is promoted only when, on its validation season, it beats the grid rule's
  balanced accuracy by at least var promotion_margin and the frequency baseline's log loss. Every version
  is registered either way; prediction serves the newest promoted one.
- Registration: the artifact is refit on every training season, written to a version claimed
  atomically in the store (a directory on DuckDB, a stage on Snowflake) with metadata.json written last,
  and this model's own table, append-only, records its sha256 and metadata: the ledger prediction trusts.
"""

import datetime
import hashlib
import io
import json
import platform
import re
import secrets
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score, recall_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

MODEL_NAME = "driver_position"
ARTIFACT_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
LABEL = "position_label"
BASELINE = "grid_baseline_label"
CLASSES = [1, 2, 3]
LABEL_DEFINITION = {
    "1": "podium: classified 1st to 3rd",
    "2": "points: classified 4th to 10th",
    "3": "no points: classified 11th or lower, or not classified (every DNF)",
}
# The settings below were chosen with f1-model-selection on the validation seasons 2012-2014 only,
# before the first backtest season (docs/model_card.md); the backtest never chose anything.
SPLINE_FEATURE = "grid_position"
NUMERIC_FEATURES = [
    "pit_lane_start", "qualifying_position", "qualifying_gap_to_pole_pct", "grid_penalty_places",
    "teammate_grid_delta", "teammate_qualifying_gap_pct", "driver_standing_before", "driver_points_share_before",
    "constructor_standing_before", "constructor_points_share_before", "driver_finish_avg_5", "driver_finish_avg_10",
    "driver_top_ten_rate_10", "driver_podium_rate_10", "driver_confidence", "constructor_finish_avg_5",
    "constructor_finish_avg_10", "constructor_top_ten_rate_10", "constructor_podium_rate_10",
    "constructor_reliability",
]  # fmt: skip
FEATURES = [SPLINE_FEATURE, *NUMERIC_FEATURES]
REGULARIZATION_C = 0.1
# Nominal features (driver, team...) are supported for model selection, which found they do not help:
# categories seen in fewer training rows than this share one "infrequent" column, as unseen ones do.
MIN_CATEGORY_ROWS = 50
# The frequency baseline: class frequencies per grid slot in the training rows, slots beyond this one
# pooled, with add-one smoothing so that no class has probability 0.
GRID_SLOTS = 20


def build_pipeline(numeric=NUMERIC_FEATURES, nominal=(), c=REGULARIZATION_C) -> Pipeline:
    # A feature with no value in the training rows (e.g. qualifying before 1994, or standings in data that
    # lack them) is kept as a constant 0, so it carries no weight and the encoded columns keep their order.
    impute = SimpleImputer(strategy="median", keep_empty_features=True)
    encoders = [
        ("grid", make_pipeline(clone(impute), SplineTransformer(n_knots=5)), [SPLINE_FEATURE]),
        ("numeric", make_pipeline(clone(impute), StandardScaler()), list(numeric)),
    ]
    if nominal:
        one_hot = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_CATEGORY_ROWS)
        encoders.append(("nominal", one_hot, list(nominal)))
    classifier = LogisticRegression(C=c, max_iter=5000)
    return Pipeline([("encode", ColumnTransformer(encoders)), ("classify", classifier)])


def class_priors(labels) -> np.ndarray:
    """Share of each class (1, 2, 3) among the labels."""
    counts = pd.Series(labels).value_counts().reindex(CLASSES, fill_value=0).to_numpy(dtype="float64")
    return counts / counts.sum()


def decide(probabilities: np.ndarray, priors) -> np.ndarray:
    """The class whose probability is largest relative to its training frequency; ties go to the better finish.

    For balanced accuracy (mean recall over classes) this beats the plain argmax, and it leaves the
    probabilities themselves untouched.
    """
    return np.array(CLASSES)[np.argmax(probabilities / np.asarray(priors, dtype="float64"), axis=1)]


def grid_slot_frequencies(grid_position, labels) -> list[list[float]]:
    """Frequency baseline: P(class | grid slot) from training rows, one row per slot 1..GRID_SLOTS."""
    slots = np.clip(np.asarray(grid_position, dtype="float64"), 1, GRID_SLOTS).astype("int64")
    counts = pd.crosstab(slots, np.asarray(labels)).reindex(
        index=range(1, GRID_SLOTS + 1), columns=CLASSES, fill_value=0
    )
    smoothed = counts.to_numpy(dtype="float64") + 1.0
    return (smoothed / smoothed.sum(axis=1, keepdims=True)).tolist()


def frequency_probabilities(frequencies: list[list[float]], grid_position) -> np.ndarray:
    slots = np.clip(np.asarray(grid_position, dtype="float64"), 1, GRID_SLOTS).astype("int64")
    return np.asarray(frequencies)[slots - 1]


def classification_metrics(y_true, y_pred) -> dict:
    recalls = recall_score(y_true, y_pred, labels=CLASSES, average=None, zero_division=0)
    return {
        "rows": int(len(y_true)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=CLASSES, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "recall_by_class": {str(label): float(recall) for label, recall in zip(CLASSES, recalls, strict=True)},
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=CLASSES).tolist(),
    }


def probability_metrics(y_true, probabilities) -> dict:
    """Log loss (natural log) and the multi-class Brier score (sum over classes, mean over rows)."""
    probabilities = np.asarray(probabilities, dtype="float64")
    observed = (np.asarray(y_true)[:, None] == np.array(CLASSES)[None, :]).astype("float64")
    clipped = np.clip(probabilities, np.finfo("float64").eps, 1.0)
    return {
        "log_loss": float(-np.mean(np.log(np.sum(clipped * observed, axis=1)))),
        "brier_score": float(np.mean(np.sum((probabilities - observed) ** 2, axis=1))),
    }


def promotion(validation: dict, margin: float) -> tuple[bool, str]:
    """The gate: beat the grid rule by `margin` on balanced accuracy and the frequency baseline on log loss."""
    model, grid, frequency = validation["model"], validation["grid_baseline"], validation["frequency_baseline"]
    gain = model["balanced_accuracy"] - grid["balanced_accuracy"]
    failures = []
    if not gain >= margin:
        failures.append(f"balanced accuracy {gain:+.3f} against the grid rule, needs at least {margin:+.3f}")
    if not model["log_loss"] < frequency["log_loss"]:
        failures.append(
            f"log loss {model['log_loss']:.3f}, not below the frequency baseline's {frequency['log_loss']:.3f}"
        )
    if failures:
        return False, f"not promoted on {validation['season']}: " + "; ".join(failures)
    return True, (
        f"promoted on {validation['season']}: balanced accuracy {gain:+.3f} against the grid rule, "
        f"log loss {model['log_loss']:.3f} against {frequency['log_loss']:.3f}"
    )


def canonical_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in key order, the label as int64: engines return rows in any order and integers of any width, and
    the fitted model's bytes depend on both."""
    return rows.sort_values("driver_race_id").reset_index(drop=True).astype({LABEL: "int64"})


def train_and_validate(dataset: pd.DataFrame, margin: float) -> tuple[Pipeline, dict]:
    """Validate on the `test` season with a fit on `train`, gate, then refit on both for the artifact."""
    dataset = canonical_rows(dataset)
    train = dataset[dataset["dataset_split"] == "train"]
    test = dataset[dataset["dataset_split"] == "test"]
    if train.empty or test.empty:
        raise ValueError(
            f"training_testing_dataset needs train and test rows, got {len(train)} and {len(test)}: "
            "check the hold_out_season and training_seasons vars against the seasons in the data"
        )
    validation_fit = build_pipeline().fit(train[FEATURES], train[LABEL])
    probabilities = validation_fit.predict_proba(test[FEATURES])
    frequencies = frequency_probabilities(
        grid_slot_frequencies(train[SPLINE_FEATURE], train[LABEL]), test[SPLINE_FEATURE]
    )
    validation = {
        "season": int(test["race_year"].max()),
        "model": {
            **classification_metrics(test[LABEL], decide(probabilities, class_priors(train[LABEL]))),
            **probability_metrics(test[LABEL], probabilities),
        },
        "grid_baseline": classification_metrics(test[LABEL], test[BASELINE]),
        "frequency_baseline": probability_metrics(test[LABEL], frequencies),
    }
    validation["promoted"], validation["promotion_reason"] = promotion(validation, margin)
    final_fit = build_pipeline().fit(dataset[FEATURES], dataset[LABEL])
    return final_fit, validation


def encoding_description(pipeline: Pipeline) -> list[dict]:
    """What the fitted encoders do, one row per encoded column: the source of the encoding_mapping table."""
    encode = pipeline.named_steps["encode"]
    rows = []
    for name, transformer, columns in encode.transformers_:
        if name == "grid":
            imputer, spline = transformer.named_steps.values()
            for basis in range(spline.n_features_out_):
                rows.append({"feature": columns[0], "encoding": "spline", "value": f"basis {basis + 1}",
                             "missing_filled_with": float(imputer.statistics_[0])})  # fmt: skip
        elif name == "numeric":
            imputer, scaler = transformer.named_steps.values()
            for i, feature in enumerate(columns):
                rows.append({"feature": feature, "encoding": "standard_scaled", "value": None,
                             "missing_filled_with": float(imputer.statistics_[i]),
                             "center": float(scaler.mean_[i]), "scale": float(scaler.scale_[i])})  # fmt: skip
        elif name == "nominal":
            for feature, categories in zip(columns, transformer.categories_, strict=True):
                rows += [{"feature": feature, "encoding": "one_hot", "value": str(c)} for c in categories]
    return [{**row, "encoded_index": index} for index, row in enumerate(rows)]


def features_without_values(dataset: pd.DataFrame) -> list[str]:
    """Features null in every training row: kept as a constant, so the model cannot use them."""
    return [feature for feature in FEATURES if dataset[feature].isna().all()]


def library_versions() -> dict:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def build_metadata(version: str, dataset: pd.DataFrame, validation: dict, pipeline: Pipeline, artifact: bytes) -> dict:
    train = dataset[dataset["dataset_split"] == "train"]
    return {
        "model_name": MODEL_NAME,
        "model_version": version,
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "training_window": {
            "first_season": int(dataset["race_year"].min()),
            "last_season": int(dataset["race_year"].max()),
            "validation_season": validation["season"],
            "hold_out_season": int(dataset["hold_out_season"].max()),
        },
        "features": {
            "spline": [SPLINE_FEATURE],
            "numeric": NUMERIC_FEATURES,
            "all": FEATURES,
            "without_values": features_without_values(dataset),
        },
        "label": LABEL,
        "label_definition": LABEL_DEFINITION,
        "decision_rule": {
            "rule": "largest probability / training class frequency",
            "class_priors": class_priors(dataset[LABEL]).tolist(),
        },
        "row_counts": {"train": int(len(train)), "validation": validation["model"]["rows"], "refit": int(len(dataset))},
        "validation_metrics": validation,
        "promotion": {"promoted": validation["promoted"], "reason": validation["promotion_reason"]},
        "encoding": encoding_description(pipeline),
        "library_versions": library_versions(),
        "artifact_file": ARTIFACT_FILE,
        "artifact_sha256": hashlib.sha256(artifact).hexdigest(),
    }


def serialize(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    return buffer.getvalue()


def version_number(version: str) -> int:
    return int(version[1:])


def register(store, known_versions, dataset: pd.DataFrame, pipeline: Pipeline, validation: dict) -> dict:
    """Claim the next free version, write the artifact, then metadata.json, which completes the version.

    Numbers continue after every version the store or the ledger knows, complete or not: a crashed
    registration leaves an incomplete version that is skipped, never reused. A claim lost to a concurrent
    training moves on to the next number.
    """
    taken = set(store.list_versions()) | set(known_versions)
    number = max((version_number(v) for v in taken), default=0) + 1
    while not store.claim(version_name(number)):
        number += 1
    version = version_name(number)
    artifact = serialize(pipeline)
    metadata = build_metadata(version, dataset, validation, pipeline, artifact)
    store.write(version, ARTIFACT_FILE, artifact)
    store.write(version, METADATA_FILE, json.dumps(metadata, indent=2).encode())
    return metadata


def ledger_row(metadata: dict) -> pd.DataFrame:
    """This run's row of the ledger: what prediction trusts, recorded at training time."""
    return pd.DataFrame(
        [
            {
                "model_version": metadata["model_version"],
                "trained_at": metadata["trained_at"],
                "artifact_sha256": metadata["artifact_sha256"],
                "is_promoted": metadata["promotion"]["promoted"],
                "promotion_reason": metadata["promotion"]["reason"],
                "metadata_json": json.dumps(metadata),
            }
        ]
    )


# --- engine edges ----------------------------------------------------------------------------------------

VERSION_PATTERN = re.compile(r"^v\d{4,}$")


def version_name(number: int) -> str:
    return f"v{number:04d}"


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


def ledger_versions(dbt, session, settings: dict) -> list[str]:
    """Versions already in this model's own table, the append-only ledger (none on its first run)."""
    if not dbt.is_incremental:
        return []
    if settings["engine"] == "snowflake":
        ledger = session.table(str(dbt.this))
    else:
        ledger = session.sql(f"select * from {dbt.this}")
    return to_pandas(ledger)["model_version"].tolist()


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


def to_engine(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if settings["engine"] == "snowflake" else frame


def model(dbt, session):
    dbt.config(
        packages=["pandas==2.2.3", "scikit-learn==1.5.2", "joblib==1.4.2", "numpy"],
        python_version="3.11",
    )
    settings = dbt.config.get("meta")
    dataset = to_pandas(dbt.ref("training_testing_dataset"))
    pipeline, validation = train_and_validate(dataset, float(settings["promotion_margin"]))
    metadata = register(
        artifact_store(dbt, session), ledger_versions(dbt, session, settings), dataset, pipeline, validation
    )
    return to_engine(ledger_row(metadata), settings)
