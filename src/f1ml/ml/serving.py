"""Serving: the trusted artifact, one UDF pass in the engine, then forecasts shaped like races.

1. The version: ml_model_registry's serving row (var require_promoted_model refuses one not promoted).
2. Trust: the artifact's sha256 must equal the one the ledger recorded at training time, checked BEFORE
   unpickling; the features and the frequency baseline come from the ledger's metadata too.
3. One scoring pass: a vectorized UDF (DuckDB create_function / Snowpark udf.register) returns each row's
   three class probabilities; the engine computes them over the rows.
4. The race step (race.race_forecasts), on the scored rows of one season and the upcoming races: coherent
   probabilities, race-shaped calls, the frequency baseline, and for each race a forecast key that changes
   whenever any of its forecasts does (the forecast log appends a race's forecast once per key).
"""

import hashlib
import inspect
import io
import json

import joblib
import pandas as pd
import sklearn

from f1ml.ml.baselines import frequency_probabilities
from f1ml.ml.engine import to_pandas
from f1ml.ml.race import race_forecasts
from f1ml.ml.spec import METADATA_LAYOUT, SPLINE_FEATURE

UDF_NAME = "score_driver_position"
# What each scored row keeps next to its forecast (the features stay in hold_out_dataset_for_prediction).
ROW_COLUMNS = [
    "driver_race_id", "race_id", "driver_id", "race_year", "race_round", "race_date", "race_name", "circuit_name",
    "driver_ref", "driver_name", "constructor_team", "race_status", "dataset_split", "grid", "grid_position",
    "grid_source", "position", "position_label", "grid_baseline_label", "hold_out_season", "data_through_race_id",
    "data_through_race_date",
]  # fmt: skip
UDF_SCORES = ["uncoupled_prob_podium", "uncoupled_prob_points", "uncoupled_prob_no_points"]


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


def ledger_metadata(ledger: pd.DataFrame, version: str) -> tuple[dict, str]:
    """The metadata and artifact sha256 the ledger recorded for `version` at training time."""
    entry = ledger[ledger["model_version"] == version]
    if len(entry) != 1:
        raise RuntimeError(f"{version} has {len(entry)} rows in the ledger (train_model_to_predict_position), not 1")
    metadata = json.loads(entry.iloc[0]["metadata_json"])
    if metadata.get("metadata_layout") != METADATA_LAYOUT:
        raise RuntimeError(f"{version} was recorded by an older release of this project: run the retrain job")
    return metadata, entry.iloc[0]["artifact_sha256"]


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


def score_on_duckdb(session, relation, pipeline, features: list[str]) -> pd.DataFrame:
    """One UDF pass in DuckDB: the rows of ROW_COLUMNS with the model's three probabilities."""
    import duckdb
    import pyarrow as pa

    def udf(*columns):
        frame = pd.DataFrame({name: column.to_pandas() for name, column in zip(features, columns, strict=True)})
        return pa.array(pipeline.predict_proba(frame).tolist(), type=pa.list_(pa.float64()))

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
    picked = [f"scores[{i + 1}] as {name}" for i, name in enumerate(UDF_SCORES)]
    return to_pandas(scored.project(f"{', '.join(ROW_COLUMNS)}, {', '.join(picked)}"))


def score_on_snowpark(session, dataframe, pipeline, features: list[str], packages) -> pd.DataFrame:
    """One vectorized UDF pass in Snowflake: the rows of ROW_COLUMNS with the model's three probabilities."""
    from snowflake.snowpark import functions as F
    from snowflake.snowpark import types as T

    def udf(frame: pd.DataFrame) -> pd.Series:
        frame.columns = features
        return pd.Series(pipeline.predict_proba(frame).tolist())

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
    picked = [F.col("SCORES")[i].cast(T.DoubleType()).alias(name.upper()) for i, name in enumerate(UDF_SCORES)]
    return to_pandas(scored.select(*row_columns, *picked))


def forecast_keys(forecasts: pd.DataFrame, version: str) -> pd.Series:
    """Per row, its race's forecast key: a hash of the version and every entrant's forecast in the race."""
    keys = {}
    for race_id, race in forecasts.sort_values(["race_id", "driver_id"]).groupby("race_id", sort=False):
        shown = race[["driver_id", "grid_position", "prob_podium", "prob_points", "prob_no_points"]].round(6)
        text = json.dumps([version, shown.astype("float64").to_numpy().tolist()])
        keys[race_id] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return forecasts["race_id"].map(keys)


def forecasts(scored: pd.DataFrame, metadata: dict, version: str, promoted: bool) -> pd.DataFrame:
    """Scored rows as published: the race step, the frequency baseline, the version and the forecast key."""
    scored = scored.reset_index(drop=True)
    baseline = frequency_probabilities(metadata["grid_slot_frequencies"], scored[SPLINE_FEATURE])
    published = pd.concat(
        [scored[ROW_COLUMNS], race_forecasts(scored, scored[UDF_SCORES].to_numpy(), baseline)], axis=1
    )
    published["model_version"] = version
    published["is_promoted"] = promoted
    published["predicted_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    published["forecast_key"] = forecast_keys(published, version)
    return published.astype({"predicted_position_label": "int64", "is_coupled": bool})
