"""Predict the hold-out rows with a registered model version, through a UDF that runs in the engine.

1. Pick the version: the latest in ml_model_registry, or the one pinned by the model_version var.
2. Read its artifact and verify the sha256 recorded at training time BEFORE unpickling: a changed or
   corrupted file is refused with a clear error and nothing is loaded.
3. Register a vectorized UDF (Snowpark udf.register / DuckDB create_function) that returns the
   probability of one class, and apply it to the hold-out rows in the engine. The predicted class is
   the most probable one (ties go to the better finish).
"""

import contextlib
import hashlib
import inspect
import io
import json
from pathlib import Path

import joblib
import pandas as pd
import sklearn

MODEL_NAME = "driver_position"
UDF_NAME = "predict_position_probability"
CLASSES = {1: "prob_podium", 2: "prob_points", 3: "prob_no_points"}


def select_version(registry: pd.DataFrame, pinned) -> pd.Series:
    if pinned in (None, ""):
        return registry.loc[registry["is_latest"]].iloc[0]
    chosen = registry[registry["model_version"] == str(pinned)]
    if chosen.empty:
        raise ValueError(
            f"model_version={pinned} is not registered; registered: {', '.join(registry['model_version'])}"
        )
    return chosen.iloc[0]


def verified_model(artifact: bytes, expected_sha256: str, trained_with: dict, source: str):
    """Unpickle only an artifact whose sha256 matches the registry, built by this scikit-learn version."""
    actual = hashlib.sha256(artifact).hexdigest()
    if actual != expected_sha256:
        raise ValueError(
            f"Refusing to load {source}: its sha256 is {actual}, the registry recorded {expected_sha256}. "
            "The artifact changed after training; retrain, or pin another version with --vars model_version."
        )
    if trained_with["scikit-learn"] != sklearn.__version__:
        raise ValueError(
            f"{source} was trained with scikit-learn {trained_with['scikit-learn']}, this environment has "
            f"{sklearn.__version__}: predictions would not be reproducible. Install the trained version."
        )
    return joblib.load(io.BytesIO(artifact))


def class_probability(pipeline, features: list[str], class_label, columns) -> pd.Series:
    """The UDF body: P(class_label) for each row. Takes Series (vectorized) or scalars (one row)."""
    as_series = [column if isinstance(column, pd.Series) else pd.Series([column]) for column in columns]
    frame = pd.concat([series.reset_index(drop=True) for series in as_series], axis=1)
    frame.columns = features
    label = int(class_label.iloc[0]) if isinstance(class_label, pd.Series) else int(class_label)
    index = list(pipeline.classes_).index(label)
    return pd.Series(pipeline.predict_proba(frame)[:, index])


def predicted_class_sql(prob_columns: dict) -> str:
    podium, points, no_points = (prob_columns[label] for label in (1, 2, 3))
    return (
        f"case when {podium} >= {points} and {podium} >= {no_points} then 1 "
        f"when {points} >= {no_points} then 2 else 3 end"
    )


# --- engine edges ----------------------------------------------------------------------------------------


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


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


def predict_on_duckdb(session, relation, pipeline, nominal: list[str], numeric: list[str], version: str):
    import duckdb
    import pyarrow as pa

    def udf(class_label, *columns):
        series = [column.to_pandas() for column in columns]
        return pa.array(class_probability(pipeline, nominal + numeric, class_label.to_pandas(), series))

    # DuckDB counts the function's parameters: spell out one per argument instead of *columns.
    positional = inspect.Parameter.POSITIONAL_ONLY
    udf.__signature__ = inspect.Signature(
        [inspect.Parameter(f"arg{i}", positional) for i in range(1 + len(nominal) + len(numeric))]
    )

    types = [duckdb.sqltype("BIGINT")] + [duckdb.sqltype("VARCHAR")] * len(nominal)
    types += [duckdb.sqltype("DOUBLE")] * len(numeric)
    with contextlib.suppress(Exception):  # a second run in the same process finds the first run's function
        session.remove_function(UDF_NAME)
    session.create_function(
        UDF_NAME, udf, types, duckdb.sqltype("DOUBLE"), type="arrow", null_handling="special", side_effects=False
    )
    arguments = ", ".join(nominal + [f"cast({column} as double)" for column in numeric])
    probabilities = ", ".join(f"{UDF_NAME}({label}, {arguments}) as {name}" for label, name in CLASSES.items())
    scored = relation.project(f"*, {probabilities}")
    return scored.project(
        f"*, {predicted_class_sql(CLASSES)} as predicted_position_label, '{version}' as model_version"
    )


def predict_on_snowpark(session, dataframe, pipeline, nominal: list[str], numeric: list[str], version: str, packages):
    from snowflake.snowpark import functions as F
    from snowflake.snowpark import types as T

    features = nominal + numeric

    def udf(class_label, *columns):
        probabilities = class_probability(pipeline, features, class_label, columns)
        # Snowflake calls this vectorized UDF with Series; Snowpark local testing calls it once per row
        # with plain values, and stores what it returns as the cell: give it a float, not a Series.
        return probabilities if isinstance(class_label, pd.Series) else float(probabilities.iloc[0])

    input_types = [T.PandasSeriesType(T.LongType())]
    input_types += [T.PandasSeriesType(T.StringType())] * len(nominal)
    input_types += [T.PandasSeriesType(T.DoubleType())] * len(numeric)
    probability = session.udf.register(
        udf,
        return_type=T.PandasSeriesType(T.DoubleType()),
        input_types=input_types,
        name=UDF_NAME,
        is_permanent=False,
        replace=True,
        packages=packages,
    )
    arguments = [F.col(c.upper()) for c in nominal] + [F.col(c.upper()).cast(T.DoubleType()) for c in numeric]
    for label, name in CLASSES.items():
        dataframe = dataframe.with_column(name.upper(), probability(F.lit(label), *arguments))
    podium, points, no_points = (F.col(CLASSES[label].upper()) for label in (1, 2, 3))
    predicted = (
        F.when((podium >= points) & (podium >= no_points), F.lit(1)).when(points >= no_points, F.lit(2)).otherwise(3)
    )
    dataframe = dataframe.with_column("PREDICTED_POSITION_LABEL", predicted)
    return dataframe.with_column("MODEL_VERSION", F.lit(version))


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["pandas==2.2.3", "scikit-learn==1.5.2", "joblib==1.4.2", "numpy"],
        python_version="3.11",
    )
    settings = dbt.config.get("meta")
    chosen = select_version(to_pandas(dbt.ref("ml_model_registry")), settings["model_version"])
    metadata = json.loads(chosen["metadata_json"])
    artifact = artifact_reader(dbt, session).read(f"{MODEL_NAME}/{chosen['model_version']}/{metadata['artifact_file']}")
    if artifact is None:
        raise FileNotFoundError(f"Model artifact {chosen['artifact_path']} is missing from the artifact store")
    pipeline = verified_model(
        artifact, chosen["artifact_sha256"], metadata["library_versions"], chosen["artifact_path"]
    )
    nominal, numeric = metadata["features"]["nominal"], metadata["features"]["numeric"]
    hold_out = dbt.ref("hold_out_dataset_for_prediction")
    version = chosen["model_version"]
    if hasattr(session, "file"):  # Snowpark session
        packages = dbt.config.get("packages")  # the UDF runs with the model's own pinned packages
        return predict_on_snowpark(session, hold_out, pipeline, nominal, numeric, version, packages)
    return predict_on_duckdb(session, hold_out, pipeline, nominal, numeric, version)
