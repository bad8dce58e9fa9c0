"""Train the finishing-position model, validate it against the grid baseline, register a new version.

- Encoders (one-hot for nominal features, unknown categories ignored; median imputation and scaling for
  numeric ones) are fitted on training rows only and saved inside the artifact with the classifier.
- Validation respects time: fit on the first training seasons, score the last one, for the model and
  for the grid baseline on the same rows. The saved artifact is then refit on every training season.
- Every run adds a version (v0001, v0002, ...) to the artifact store and never overwrites one: a local
  directory on DuckDB, a stage on Snowflake (created once by the pre-hook create_model_stage()).
  Beside the artifact: metadata.json with the sha256 that prediction verifies before unpickling.
"""

import datetime
import hashlib
import io
import json
import platform
from pathlib import Path

import joblib
import numpy
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score, recall_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MODEL_NAME = "driver_position"
NOMINAL_FEATURES = ["circuit_name", "constructor_team", "driver_ref"]
NUMERIC_FEATURES = [
    "grid_position", "driver_age_years", "driver_confidence", "constructor_reliability",
    "driver_avg_pit_stops", "driver_prior_races", "driver_recent_finish", "constructor_recent_finish",
]  # fmt: skip
FEATURES = NOMINAL_FEATURES + NUMERIC_FEATURES
LABEL = "position_label"
BASELINE = "grid_baseline_label"
CLASSES = [1, 2, 3]
LABEL_DEFINITION = {
    "1": "podium: classified 1st to 3rd",
    "2": "points: classified 4th to 10th",
    "3": "no points: classified 11th or lower, or not classified (every DNF)",
}


# Strong regularization of the many one-hot columns; chosen with scripts/model_selection.py on validation
# seasons before the hold-out season, never on the hold-out season (docs/model_card.md).
REGULARIZATION_C = 0.03


def build_pipeline(nominal=NOMINAL_FEATURES, numeric=NUMERIC_FEATURES, c=REGULARIZATION_C) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("nominal", OneHotEncoder(handle_unknown="ignore"), nominal),
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ]
    )
    # Balanced class weights: podiums are 15% of rows, and balanced accuracy is the metric we report.
    classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    return Pipeline([("encode", encode), ("classify", classifier)])


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


def train_and_validate(dataset: pd.DataFrame) -> tuple[Pipeline, dict]:
    """Validate on the `test` season with a fit on `train`, then refit on both for the artifact."""
    train = dataset[dataset["dataset_split"] == "train"]
    test = dataset[dataset["dataset_split"] == "test"]
    if train.empty or test.empty:
        raise ValueError(
            f"training_testing_dataset needs train and test rows, got {len(train)} and {len(test)}: "
            "check the holdout_season and training_seasons vars against the seasons in the data"
        )
    validation_fit = build_pipeline().fit(train[FEATURES], train[LABEL])
    report = {
        "validation_season": int(test["race_year"].max()),
        "model": classification_metrics(test[LABEL], validation_fit.predict(test[FEATURES])),
        "grid_baseline": classification_metrics(test[LABEL], test[BASELINE]),
    }
    final_fit = build_pipeline().fit(dataset[FEATURES], dataset[LABEL])
    return final_fit, report


def encoding_description(pipeline: Pipeline) -> list[dict]:
    """What the fitted encoders do, feature by feature: the source of the encoding_mapping table."""
    encode = pipeline.named_steps["encode"]
    one_hot = encode.named_transformers_["nominal"]
    imputer, scaler = (step for _, step in encode.named_transformers_["numeric"].steps)
    rows, position = [], 0
    for feature, categories in zip(NOMINAL_FEATURES, one_hot.categories_, strict=True):
        for category in categories:
            rows.append({"feature": feature, "encoding": "one_hot", "value": str(category), "encoded_index": position})
            position += 1
    for i, feature in enumerate(NUMERIC_FEATURES):
        rows.append(
            {
                "feature": feature,
                "encoding": "standard_scaled",
                "value": None,
                "encoded_index": position,
                "missing_filled_with": float(imputer.statistics_[i]),
                "center": float(scaler.mean_[i]),
                "scale": float(scaler.scale_[i]),
            }
        )
        position += 1
    return rows


def build_metadata(version: str, dataset: pd.DataFrame, report: dict, artifact: bytes, pipeline) -> dict:
    train = dataset[dataset["dataset_split"] == "train"]
    return {
        "model_name": MODEL_NAME,
        "model_version": version,
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "training_window": {
            "first_season": int(dataset["race_year"].min()),
            "last_season": int(dataset["race_year"].max()),
            "validation_season": report["validation_season"],
            "holdout_season": int(dataset["holdout_season"].max()),
        },
        "features": {"nominal": NOMINAL_FEATURES, "numeric": NUMERIC_FEATURES},
        "label": LABEL,
        "label_definition": LABEL_DEFINITION,
        "row_counts": {
            "train": int(len(train)),
            "validation": report["model"]["rows"],
            "refit": int(len(dataset)),
        },
        "validation_metrics": {"model": report["model"], "grid_baseline": report["grid_baseline"]},
        "encoding": encoding_description(pipeline),
        "library_versions": library_versions(),
        "artifact_file": "model.joblib",
        "artifact_sha256": hashlib.sha256(artifact).hexdigest(),
    }


def library_versions() -> dict:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "pandas": pd.__version__,
        "numpy": numpy.__version__,
    }


def serialize(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    return buffer.getvalue()


def version_name(number: int) -> str:
    return f"v{number:04d}"


def register(writer, dataset: pd.DataFrame, pipeline: Pipeline, report: dict) -> dict:
    """Write artifact then metadata as the next free version; metadata.json marks it registered."""
    number = 1
    while writer.exists(f"{MODEL_NAME}/{version_name(number)}/metadata.json"):
        number += 1
    version = version_name(number)
    artifact = serialize(pipeline)
    metadata = build_metadata(version, dataset, report, artifact, pipeline)
    writer.write_new(f"{MODEL_NAME}/{version}/model.joblib", artifact)
    writer.write_new(f"{MODEL_NAME}/{version}/metadata.json", json.dumps(metadata, indent=2).encode())
    return metadata


# --- engine edges ----------------------------------------------------------------------------------------


class DirectoryWriter:
    """Artifacts in a local directory (DuckDB runs). Files are created exclusively, never replaced."""

    def __init__(self, root: str):
        self.root = Path(root)

    def exists(self, path: str) -> bool:
        return (self.root / path).exists()

    def write_new(self, path: str, payload: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as file:  # "x": fail rather than overwrite a registered version
            file.write(payload)


class StageWriter:
    """Artifacts on a Snowflake stage, through Snowpark's public file API only."""

    def __init__(self, session, stage: str):
        self.session, self.stage = session, stage

    def exists(self, path: str) -> bool:
        try:
            self.session.file.get_stream(f"{self.stage}/{path}").close()
            return True
        except Exception:  # Snowpark raises a generic error for a missing stage file
            return False

    def write_new(self, path: str, payload: bytes) -> None:
        result = self.session.file.put_stream(
            io.BytesIO(payload), f"{self.stage}/{path}", auto_compress=False, overwrite=False
        )
        if result.status != "UPLOADED":
            raise FileExistsError(f"{self.stage}/{path} not uploaded ({result.status}): version already taken")


def artifact_writer(dbt, session):
    settings = dbt.config.get("meta")
    if hasattr(session, "file"):  # Snowpark session
        return StageWriter(session, f"@{dbt.this.database}.{dbt.this.schema}.{settings['model_stage']}")
    return DirectoryWriter(settings["model_registry_dir"])


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, session) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if hasattr(session, "file") else frame


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["pandas==2.2.3", "scikit-learn==1.5.2", "joblib==1.4.2", "numpy"],
        python_version="3.11",
    )
    dataset = to_pandas(dbt.ref("training_testing_dataset"))
    pipeline, report = train_and_validate(dataset)
    metadata = register(artifact_writer(dbt, session), dataset, pipeline, report)
    rows = dataset.assign(dataset_type=dataset["dataset_split"], model_version=metadata["model_version"])
    return to_engine(rows, session)
