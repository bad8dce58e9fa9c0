"""The Python models' Snowflake procedure bodies, run in Snowpark local testing.

The code Snowflake would execute (see snowpark_runner: `dbt compile --target snowflake` offline, then
dbt-snowflake's own py_write_table macro and submit_python_job wrapper) runs in a local-testing session
(`Session.builder.config('local_testing', True)`, with LIST and vectorized UDFs emulated by the runner), with the
upstream tables copied from the session's DuckDB build (scripts/run) of the same project and data. The Python ML
models run in DAG order: train_model_to_predict_position (artifact to the local stage, a claim marker first; its
table is the ledger), ml_model_registry (ledger + one LIST of the stage), encoding_mapping,
apply_prediction_to_position (one UDF pass, then the race step), ml_hold_out_evaluation, ml_backtest_predictions
(the seasons on worker threads), ml_backtest. Every table they write must equal the DuckDB build's; the
registered v0001 must carry the DuckDB run's metrics and the very same artifact bytes; and the DuckDB-trained
artifact, put on a fresh stage with its ledger row, must predict in Snowpark what it predicted in DuckDB (1e-9).
The last tests break the Snowpark code path on purpose and check that the comparison catches it.

What local testing cannot run is marked xfail (strict, so an emulator fix shows up): see the aggregates.
One offline compile per module; the DuckDB side is the session's scripts/run, copied (conftest.workspace).
"""

import hashlib
import io
import json
import math
import numbers
from types import SimpleNamespace

import pandas as pd
import pytest
import sklearn
import snowpark_runner as runner
from snowflake.snowpark import types as T

# The emulator's own pandas internals warn on filters; nothing the models can act on.
pytestmark = pytest.mark.filterwarnings("ignore:Boolean Series key will be reindexed:UserWarning")

ML_CHAIN = [
    "train_model_to_predict_position", "ml_model_registry", "encoding_mapping", "apply_prediction_to_position",
    "ml_hold_out_evaluation", "ml_backtest_predictions", "ml_backtest",
]  # fmt: skip
AGGREGATES = ["agg_lap_times_moving_avg", "agg_fastest_pit_stops_by_constructor"]
# Built by SQL; ml_forecast_log is made by the test (the shipped data has no upcoming race to log).
UPSTREAM = ["training_testing_dataset", "hold_out_dataset_for_prediction", "ml_data_prep", "ml_seasons"]
MODEL_NAME = "driver_position"
PROBABILITIES = ["uncoupled_prob_podium", "uncoupled_prob_points", "uncoupled_prob_no_points", "prob_podium",
                 "prob_points", "prob_no_points", "frequency_prob_podium"]  # fmt: skip
TOLERANCE = 1e-9

# Key of each table written by the chain, and columns that may differ between engines by design.
TABLES = {
    # trained_at: wall clock; metadata_json: compared by test_training_* below.
    "train_model_to_predict_position": (["model_version"], ["trained_at", "metadata_json"]),
    # artifact_path: a stage vs a directory.
    "ml_model_registry": (["model_version"], ["trained_at", "artifact_path", "metadata_json"]),
    "encoding_mapping": (["model_version", "encoded_index"], []),
    # predicted_at: wall clock.
    "apply_prediction_to_position": (["driver_race_id"], ["predicted_at"]),
    "ml_hold_out_evaluation": (["scope"], ["predicted_at"]),
    "ml_backtest_predictions": (["backtest_season", "driver_race_id"], []),
    "ml_backtest": (["scope", "backtest_season"], []),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory, workspace):
    """The DuckDB side: the module's copy of the session's scripts/run (conftest.workspace: every table and the
    registered v0001); the Snowflake side: the models compiled offline for the snowflake target."""
    nodes = runner.compile_for_snowflake(
        tmp_path_factory.mktemp("snowpark_local"), ML_CHAIN + AGGREGATES + ["ml_track_record"]
    )
    duckdb = SimpleNamespace(database=workspace["database"], registry=workspace["registry"] / MODEL_NAME)
    return SimpleNamespace(duckdb=duckdb, nodes=nodes, procedures=runner.build_procedures(nodes))


def stage(built) -> str:
    """The artifact stage exactly as the compiled code names it (local testing is case sensitive)."""
    node = built.nodes["train_model_to_predict_position"]
    return f"@{node['database']}.{node['schema']}.{node['config']['meta']['model_stage']}"


@pytest.fixture(scope="module")
def chain(built):
    """A local-testing session with the upstream tables, after the whole ML chain ran in DAG order."""
    session = runner.local_session()
    try:  # closed even when the chain fails: a session left open is the active one for later tests of the worker
        for table in UPSTREAM:
            runner.load_duckdb_table(session, built.duckdb.database, table)
        for name in ML_CHAIN:
            assert runner.run_procedure(session, built.procedures[name]) == "OK", name
        yield session
    finally:
        session.close()


def predict_with_duckdb_artifact(built, body: str | None = None, where: str | None = None) -> pd.DataFrame:
    """Fresh session and stage holding the DuckDB run's v0001 (same bytes), its ledger row and the hold-out rows
    (those matching `where`, if given): how a model moves between engines. Returns apply_prediction_to_position
    as Snowpark computes it, with `body` instead of the real procedure body if given."""
    session = runner.local_session()
    try:
        runner.load_duckdb_table(session, built.duckdb.database, "hold_out_dataset_for_prediction", where=where)
        runner.load_duckdb_table(session, built.duckdb.database, "train_model_to_predict_position")
        for file in ("model.joblib", "metadata.json"):
            payload = (built.duckdb.registry / "v0001" / file).read_bytes()
            path = f"{stage(built)}/{MODEL_NAME}/v0001/{file}"
            assert session.file.put_stream(io.BytesIO(payload), path, auto_compress=False).status == "UPLOADED"
        runner.run_procedure(session, built.procedures["ml_model_registry"])
        runner.run_procedure(session, built.procedures["apply_prediction_to_position"], body)
        return runner.snowpark_table(session, "apply_prediction_to_position")
    finally:
        session.close()


# --- comparisons -------------------------------------------------------------------------------------------


def normalized(frame: pd.DataFrame, key: list[str], drop: list[str]) -> pd.DataFrame:
    """Lower-case names, sorted columns and rows; dates as timestamps, numbers as float, NA as None/NaN.

    Engines differ in representation only: DuckDB gives int32 and nullable Int32, local testing int64 and
    float; a DATE comes back as datetime64 from DuckDB and as objects from Snowpark.
    """
    frame = frame.rename(columns=str.lower).drop(columns=drop)
    columns = {}
    for name in sorted(frame.columns):
        values = frame[name]
        sample = values.dropna()
        if len(sample) == 0:  # all null: an untyped None column on one side, NaN on the other
            columns[name] = pd.Series(float("nan"), index=values.index)
        elif pd.api.types.is_datetime64_any_dtype(values) or all(hasattr(v, "isoformat") for v in sample.head(20)):
            columns[name] = pd.to_datetime(values)
        elif (
            pd.api.types.is_bool_dtype(values)
            or pd.api.types.is_numeric_dtype(values)
            or all(isinstance(value, numbers.Number) for value in sample)
        ):
            columns[name] = pd.to_numeric(values).astype("float64")
        else:
            columns[name] = values.astype(object).where(values.notna(), None)
    return pd.DataFrame(columns).sort_values(key).reset_index(drop=True)


def assert_same_table(snowpark: pd.DataFrame, duckdb_frame: pd.DataFrame, key: list[str], drop: list[str]):
    snow, duck = normalized(snowpark, key, drop), normalized(duckdb_frame, key, drop)
    assert list(snow.columns) == list(duck.columns)
    pd.testing.assert_frame_equal(snow, duck, check_dtype=False, check_exact=False, rtol=0, atol=TOLERANCE)


def assert_predictions_equal(snowpark: pd.DataFrame, duckdb_frame: pd.DataFrame):
    snow = snowpark.rename(columns=str.lower).set_index("driver_race_id").sort_index()
    duck = duckdb_frame.rename(columns=str.lower).set_index("driver_race_id").sort_index()
    assert list(snow.index) == list(duck.index), "not the same hold-out rows"
    for column in PROBABILITIES:
        assert pd.api.types.is_float_dtype(snow[column]), f"{column} holds {snow[column].dtype}, not floats"
        difference = (snow[column] - duck[column]).abs().max()
        assert difference <= TOLERANCE, f"{column} differs by up to {difference}"
    labels = snow["predicted_position_label"].astype("int64") != duck["predicted_position_label"].astype("int64")
    assert not labels.any(), f"predicted_position_label differs for {list(snow.index[labels])[:10]}"
    assert set(snow["model_version"]) == set(duck["model_version"]) == {"v0001"}


def assert_close(actual, expected, path="metadata"):
    """Nested dicts/lists equal, floats within TOLERANCE."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and sorted(actual) == sorted(expected), path
        for name in expected:
            assert_close(actual[name], expected[name], f"{path}.{name}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert math.isclose(actual, expected, rel_tol=0, abs_tol=TOLERANCE), f"{path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# --- the procedure bodies ----------------------------------------------------------------------------------


def test_procedures_are_what_dbt_snowflake_sends(built):
    for name, procedure in built.procedures.items():
        assert procedure["sql"].lstrip().startswith(f"WITH {name}__dbt_sp AS PROCEDURE ()")
        assert procedure["handler"] == "main"
        assert "snowflake-snowpark-python" in procedure["packages"]
        assert "def model(dbt, session):" in procedure["body"]
        assert "\ndef main(session):\n    dbt = dbtObj(session.table)" in procedure["body"]
        assert f"save_as_table('{runner.DATABASE}.{runner.SCHEMA}.{name}', table_type='transient')" in procedure["body"]
    for name in ("train_model_to_predict_position", "apply_prediction_to_position"):
        # The artifact is unpickled on Snowflake with the packages pinned here: they must be the local ones.
        assert f"scikit-learn=={sklearn.__version__}" in built.procedures[name]["packages"]


# --- the ML chain in local testing -------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(TABLES))
def test_chain_table_equals_duckdb(built, chain, table):
    key, drop = TABLES[table]
    snowpark = runner.snowpark_table(chain, table)
    duck = runner.duckdb_table(built.duckdb.database, table)
    assert len(snowpark) > 0
    assert_same_table(snowpark, duck, key, drop)


def test_training_registers_v0001_on_the_stage_with_the_duckdb_metrics(built, chain):
    read = chain.file.get_stream
    metadata = json.loads(read(f"{stage(built)}/{MODEL_NAME}/v0001/metadata.json").read())
    artifact = read(f"{stage(built)}/{MODEL_NAME}/v0001/model.joblib").read()
    duck = json.loads((built.duckdb.registry / "v0001" / "metadata.json").read_text())
    assert metadata["model_version"] == "v0001"
    assert metadata["artifact_sha256"] == hashlib.sha256(artifact).hexdigest()
    for part in ("validation_metrics", "promotion", "class_priors", "grid_slot_frequencies", "training_window",
                 "row_counts", "features", "fingerprints", "encoding", "library_versions"):  # fmt: skip
        assert_close(metadata[part], duck[part], part)
    # The same rows in the same order and a deterministic solver: Snowpark trained the very same bytes.
    assert metadata["artifact_sha256"] == duck["artifact_sha256"]
    # The ledger row holds the same metadata; the stage holds one complete version, claimed by its marker.
    [ledger] = runner.snowpark_table(chain, "train_model_to_predict_position").to_dict("records")
    assert json.loads(ledger["metadata_json"]) == metadata
    listed = {entry.name for entry in chain.file.list(f"{stage(built)}/{MODEL_NAME}/")}
    short = stage(built).split(".")[-1].lower()
    assert listed == {f"{short}/{MODEL_NAME}/v0001/{name}" for name in (".claim", "model.joblib", "metadata.json")}


def test_chain_predictions_equal_duckdb(built, chain):
    snowpark = runner.snowpark_table(chain, "apply_prediction_to_position")
    assert_predictions_equal(snowpark, runner.duckdb_table(built.duckdb.database, "apply_prediction_to_position"))


def test_duckdb_artifact_predicts_the_same_in_snowpark(built):
    """Same model version, literally: the DuckDB run's artifact bytes, on a fresh stage."""
    snowpark = predict_with_duckdb_artifact(built)
    assert_predictions_equal(snowpark, runner.duckdb_table(built.duckdb.database, "apply_prediction_to_position"))


# --- a broken Snowpark code path must fail the comparison ----------------------------------------------------

# Each breakage rewrites the Snowpark branch of the real procedure body; the predictions are compared on the
# first race of the hold-out season only (the per-row UDF calls are the slow part), with a control run.
FIRST_RACE = "race_round = (select min(race_round) from hold_out_dataset_for_prediction)"
BREAKAGES = {
    "none (control)": None,
    "two features swapped in the Snowpark UDF call": (
        "arguments = [F.col(feature.upper()).cast(T.DoubleType()) for feature in features]",
        "arguments = [F.col(f.upper()).cast(T.DoubleType()) for f in [features[1], features[0], *features[2:]]]",
    ),
    "two classes swapped when picking from the scores": (
        'F.col("SCORES")[i].cast(T.DoubleType())',
        'F.col("SCORES")[[1, 0, 2][i]].cast(T.DoubleType())',
    ),
    "the race step skipped": (
        'published = forecasts(scored, metadata, version, bool(serving["is_promoted"]))',
        'published = forecasts(scored, metadata, version, bool(serving["is_promoted"]))'
        '.assign(prob_podium=scored["uncoupled_prob_podium"])',
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_snowpark_path_fails_the_comparison(built, breakage):
    body = built.procedures["apply_prediction_to_position"]["body"]
    if BREAKAGES[breakage]:
        old, new = BREAKAGES[breakage]
        assert body.count(old) == 1, "the model changed: update this breakage"
        body = body.replace(old, new)
    snowpark = predict_with_duckdb_artifact(built, body, where=FIRST_RACE)
    duck = runner.duckdb_table(built.duckdb.database, "apply_prediction_to_position")
    duck = duck[duck["driver_race_id"].isin(snowpark["driver_race_id"])]
    assert 10 <= len(snowpark) == len(duck) < 40  # one race
    if BREAKAGES[breakage] is None:
        assert_predictions_equal(snowpark, duck)
    else:
        with pytest.raises(AssertionError):
            assert_predictions_equal(snowpark, duck)


# --- the aggregates: what local testing cannot emulate -----------------------------------------------------


@pytest.fixture(scope="module")
def aggregates(built):
    session = runner.local_session()
    # agg_lap_times_moving_avg reads three of the six columns; loading 589k rows x 6 would take ~6 s more.
    runner.load_duckdb_table(
        session,
        built.duckdb.database,
        "mrt_lap_times_years",
        ["race_year", "lap_time_milliseconds", "is_interrupted_lap"],
    )
    runner.load_duckdb_table(session, built.duckdb.database, "mrt_pit_stops")
    yield session
    session.close()


def test_agg_lap_times_equals_duckdb(built, aggregates):
    assert runner.run_procedure(aggregates, built.procedures["agg_lap_times_moving_avg"]) == "OK"
    snowpark = runner.snowpark_table(aggregates, "agg_lap_times_moving_avg")
    duck = runner.duckdb_table(built.duckdb.database, "agg_lap_times_moving_avg")
    assert_same_table(snowpark, duck, ["race_year"], [])


@pytest.mark.xfail(
    strict=True,
    raises=NotImplementedError,
    reason="Snowpark 1.56 local testing: '[Local Testing] Function stddev_samp is not implemented' (and "
    "percentile_cont(...).within_group(...) likewise: 'Function percentile_cont is not implemented')",
)
def test_agg_fastest_pit_stops_equals_duckdb(built, aggregates):
    runner.run_procedure(aggregates, built.procedures["agg_fastest_pit_stops_by_constructor"])
    snowpark = runner.snowpark_table(aggregates, "agg_fastest_pit_stops_by_constructor")
    duck = runner.duckdb_table(built.duckdb.database, "agg_fastest_pit_stops_by_constructor")
    assert_same_table(snowpark, duck, ["constructor_name"], [])


# --- the track record: a forecast log scored in Snowpark ------------------------------------------------------


def forecast_log(built, races: int) -> pd.DataFrame:
    """The served forecasts of the hold-out season's last `races` races, as if logged before they were run."""
    served = runner.duckdb_table(built.duckdb.database, "apply_prediction_to_position")
    last = sorted(served["race_round"].unique())[-races:] if races else []
    logged = served[served["race_round"].isin(last)].copy()
    logged["forecast_made_at"] = pd.to_datetime(logged["predicted_at"])
    logged["grid_source"] = "qualifying"
    keep = ["race_id", "race_year", "race_round", "race_name", "race_date", "driver_id", "model_version",
            "forecast_made_at", "data_through_race_date", "grid_source", "predicted_position_label",
            "grid_baseline_label", *PROBABILITIES[:6], "frequency_prob_podium", "frequency_prob_points",
            "frequency_prob_no_points"]  # fmt: skip
    return logged[keep]


@pytest.mark.parametrize("races", [3, 0], ids=["three races logged", "nothing logged yet"])
def test_the_track_record_in_snowpark_is_the_one_of_the_package(built, races):
    from f1ml.ml.evaluation import TRACK_RECORD_TYPES, track_record

    log = forecast_log(built, races)
    session = runner.local_session()
    try:
        runner.load_duckdb_table(session, built.duckdb.database, "ml_data_prep",
                                 ["race_id", "driver_id", "race_status", "position_label"])  # fmt: skip
        if races:
            table = session.create_dataframe(log.rename(columns=str.upper))
        else:  # a log with no row yet, with its columns
            schema = T.StructType([T.StructField(column.upper(), T.StringType()) for column in log.columns])
            table = session.create_dataframe([], schema=schema)
        table.write.save_as_table(runner.qualified("ml_forecast_log"))
        assert runner.run_procedure(session, built.procedures["ml_track_record"]) == "OK"
        snowpark = runner.snowpark_table(session, "ml_track_record")
    finally:
        session.close()
    prep = runner.duckdb_table(built.duckdb.database, "ml_data_prep")
    expected = track_record(log, prep[prep["race_status"] == "run"][["race_id", "driver_id", "position_label"]])
    assert list(snowpark.columns) == list(TRACK_RECORD_TYPES)
    assert len(snowpark) == len(expected) == (races + 1 if races else 0)
    if races:
        assert_same_table(snowpark, expected, ["scope", "race_id"], [])
