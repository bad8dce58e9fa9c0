"""The results app (app/) in Streamlit's AppTest, against small databases built here (tests/python/app_fixture.py).

Each page must run without an exception and show its heading, its charts and the expected rows; missing
tables, an empty registry, a missing database and a database locked by a writer must show a notice instead.
"""

import subprocess
import sys
import time

import app_fixture
import pandas as pd
import pytest
import yaml
from conftest import PROJECT_DIR
from streamlit.testing.v1 import AppTest

APP_DIR = PROJECT_DIR / "app"
sys.path.insert(0, str(APP_DIR))
import engine  # noqa: E402
import queries  # noqa: E402
from charts import long_form  # noqa: E402
from navigation import VIEWS  # noqa: E402

VIEW = {view.url_path: view for view in VIEWS}
NO_MODEL = "No model registered yet: run scripts/run"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return app_fixture.build_app_database(tmp_path_factory.mktemp("app") / "app.duckdb")


def open_app(monkeypatch, database, url_path="lap-times") -> AppTest:
    monkeypatch.setenv("F1_APP_ENGINE", "duckdb")
    monkeypatch.setenv("F1_DUCKDB_PATH", str(database))
    monkeypatch.delenv("F1_APP_SCHEMA", raising=False)
    app = AppTest.from_file(str(APP_DIR / "streamlit_app.py"), default_timeout=30)
    app.run()
    if url_path != "lap-times":
        app.switch_page(VIEW[url_path].file).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def charts(app: AppTest) -> int:
    return len(app.get("vega_lite_chart")) + len(app.get("arrow_vega_lite_chart"))


def notices(app: AppTest) -> list[str]:
    return [element.value for element in [*app.info, *app.warning, *app.error]]


@pytest.mark.parametrize(
    ("url_path", "chart_count", "table_rows"),
    [
        ("lap-times", 1, [len(app_fixture.LAP_SEASONS)]),
        ("pit-stops", 1, [len(app_fixture.PIT_STOP_SEASONS[2024])]),  # the latest season is chosen first
        ("predictions", 1, [len(app_fixture.DRIVERS)]),  # one race: the last one
        ("model-vs-grid", 4, [2, len(app_fixture.BACKTEST_SEASONS) + 1]),  # confusion, backtest x2, reliability
        ("registry", 1, [len(app_fixture.VERSIONS)]),
    ],
)
def test_every_page_shows_its_heading_charts_and_rows(monkeypatch, database, url_path, chart_count, table_rows):
    app = open_app(monkeypatch, database, url_path)
    assert [title.value for title in app.title] == [VIEW[url_path].heading]
    assert charts(app) == chart_count
    assert [len(table.value) for table in app.dataframe] == table_rows
    assert notices(app) == []


def test_pit_stop_season_picker_lists_the_seasons_with_pit_stops(monkeypatch, database):
    app = open_app(monkeypatch, database, "pit-stops")
    picker = app.selectbox[0]
    assert picker.options == ["2024", "2023"]
    picker.select(2023).run()
    constructors = app.dataframe[0].value["constructor_name"].tolist()
    assert constructors == app_fixture.PIT_STOP_SEASONS[2023]


def test_prediction_page_compares_the_model_and_the_grid_for_the_chosen_race(monkeypatch, database):
    app = open_app(monkeypatch, database, "predictions")
    picker = app.selectbox[0]
    assert picker.options == [
        "Round 1: Bahrain Grand Prix (2024-03-02)",
        "Round 2: Saudi Arabian Grand Prix (2024-03-09)",
    ]
    picker.select(1101).run()
    table = app.dataframe[0].value
    # Grid order, the pit-lane start (grid 0) last; results as the fixture has them.
    assert table["driver"].tolist() == ["Max Verstappen", "Lando Norris", "Charles Leclerc", "Lance Stroll"]
    assert table["result"].tolist() == ["P1", "P5", "P2", "not classified"]
    assert table["model predicts"].tolist() == ["podium", "podium", "points", "no points"]
    # Race 1: model right for verstappen, stroll; grid right for verstappen, stroll (norris P5: points).
    assert [metric.value for metric in app.metric] == ["2 of 4", "2 of 4"]


def test_model_page_shows_the_hold_out_metrics_against_the_baseline(monkeypatch, database):
    app = open_app(monkeypatch, database, "model-vs-grid")
    metrics = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    assert metrics["Model balanced accuracy"] == ("0.700", "-0.020 vs grid")
    assert any("model − baseline balanced accuracy **+0.000**" in markdown.value for markdown in app.markdown)


def test_registry_page_names_the_serving_version(monkeypatch, database):
    app = open_app(monkeypatch, database, "registry")
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics == {"Versions registered": "3", "Serving": app_fixture.SERVING_VERSION}


@pytest.mark.parametrize("url_path", ["predictions", "model-vs-grid", "registry"])
def test_empty_registry_says_no_model_is_registered(monkeypatch, tmp_path, url_path):
    database = app_fixture.build_app_database(tmp_path / "empty.duckdb", with_model=False)
    app = open_app(monkeypatch, database, url_path)
    assert [title.value for title in app.title] == [VIEW[url_path].heading]
    assert notices(app) == [NO_MODEL]
    assert charts(app) == 0


def test_marts_still_show_without_a_model(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "empty.duckdb", with_model=False)
    app = open_app(monkeypatch, database, "lap-times")
    assert charts(app) == 1 and notices(app) == []


def test_absent_backtest_tables_leave_the_rest_of_the_model_page(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(
        tmp_path / "no_backtest.duckdb", without=("ml_backtest", "ml_calibration")
    )
    app = open_app(monkeypatch, database, "model-vs-grid")
    assert charts(app) == 1  # the confusion matrices
    assert len(app.info) == 2
    assert "`ml_backtest` is not built yet" in app.info[0].value
    assert "`ml_calibration` is not built yet" in app.info[1].value


def test_missing_database_asks_for_scripts_run(monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "never_built.duckdb", "lap-times")
    assert len(app.info) == 1 and "No database yet" in app.info[0].value and "run scripts/run" in app.info[0].value
    app = open_app(monkeypatch, tmp_path / "never_built.duckdb", "registry")
    assert notices(app) == [NO_MODEL]


def test_table_without_a_required_column_is_named_not_a_traceback(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "old.duckdb")
    with engine_connection(database) as connection:
        connection.execute("alter table main.agg_lap_times_moving_avg drop column lap_moving_avg_5_years")
    app = open_app(monkeypatch, database, "lap-times")
    assert [warning.value for warning in app.warning] == [
        "Table `agg_lap_times_moving_avg` lacks columns lap_moving_avg_5_years: rebuild it (scripts/run)."
    ]


def test_missing_optional_columns_read_as_nulls(monkeypatch, tmp_path):
    """ML tables built before the contract's optional columns (e.g. today's registry) still show."""
    database = app_fixture.build_app_database(tmp_path / "older_ml.duckdb")
    with engine_connection(database) as connection:
        connection.execute("alter table main.apply_prediction_to_position drop column driver_name")
        connection.execute("alter table main.ml_model_registry drop column is_serving")
    app = open_app(monkeypatch, database, "predictions")
    assert app.dataframe[0].value["driver"].tolist()[0] == "verstappen"  # driver_ref stands in
    app = open_app(monkeypatch, database, "registry")
    assert {metric.label: metric.value for metric in app.metric}["Serving"] == "unknown"


def test_a_writer_holding_the_database_gives_a_busy_notice_then_data_after_reload(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "locked.duckdb")
    monkeypatch.setattr(engine, "LOCK_WAIT_SECONDS", 0.3)
    hold_lock = (
        f"import duckdb, time; c = duckdb.connect({str(database)!r}); print('locked', flush=True); time.sleep(60)"
    )
    # Another process with the write lock, as dbt holds it during a run.
    writer = subprocess.Popen([sys.executable, "-c", hold_lock], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        app = open_app(monkeypatch, database, "lap-times")
        assert [warning.value for warning in app.warning] == [
            "A dbt run is writing the database right now: reload this page in a moment."
        ]
    finally:
        writer.kill()
        writer.wait()
    app.button[0].click().run()  # "Reload data"
    assert app.warning.len == 0 and charts(app) == 1


def test_the_database_is_closed_between_queries(monkeypatch, database):
    """After a page has run, another process can take the write lock at once (what a dbt run needs)."""
    open_app(monkeypatch, database, "model-vs-grid")
    queries.clear_cache()
    open_app(monkeypatch, database, "predictions")
    started = time.monotonic()
    writer = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(database)!r}).close(); print('ok')"],
        capture_output=True,
        text=True,
    )
    assert writer.stdout.strip() == "ok", writer.stderr
    assert time.monotonic() - started < 30


def test_engine_configuration_follows_the_project(monkeypatch):
    source = engine.configured_source({"F1_APP_ENGINE": "duckdb"})
    assert (source.engine, source.schema, source.database_path) == (
        "duckdb",
        "main",
        str(PROJECT_DIR / "formula1.duckdb"),
    )
    assert source.describe() == "DuckDB `formula1.duckdb`, schema `main`"  # no absolute path of this machine
    source = engine.configured_source(
        {"F1_APP_ENGINE": "duckdb", "F1_DUCKDB_PATH": "/data/f1.duckdb", "F1_APP_SCHEMA": "dbt_me"}
    )
    assert (source.database_path, source.schema) == ("/data/f1.duckdb", "dbt_me")
    with pytest.raises(ValueError, match="duckdb or snowflake"):
        engine.configured_source({"F1_APP_ENGINE": "postgres"})
    with pytest.raises(ValueError, match="identifier"):
        engine.configured_source({"F1_APP_ENGINE": "duckdb", "F1_APP_SCHEMA": "main; drop table x"})
    with pytest.raises(RuntimeError, match="Snowpark session"):
        engine.configured_source({"F1_APP_ENGINE": "snowflake"})
    # Unset: no Snowpark session is active here, so DuckDB.
    assert engine.configured_source({}).engine == "duckdb"


def test_query_results_have_lower_case_columns(database):
    source = engine.Source("duckdb", "main", str(database))
    frame = engine.run_query(source, "select race_year as RACE_YEAR, 1 as Other from main.agg_lap_times_moving_avg")
    assert list(frame.columns) == ["race_year", "other"]


def test_exposure_lists_exactly_the_models_the_app_reads():
    """models/exposures.yml depends on every table of app/queries.py that is a model of this project."""
    exposure = yaml.safe_load((PROJECT_DIR / "models" / "exposures.yml").read_text())["exposures"][0]
    refs = {ref.removeprefix("ref('").removesuffix("')") for ref in exposure["depends_on"]}
    models = {path.stem for path in (PROJECT_DIR / "models").rglob("*") if path.suffix in {".sql", ".py"}}
    assert refs == set(queries.TABLES) & models
    assert refs <= models


def engine_connection(database):
    import duckdb

    return duckdb.connect(str(database))


def test_long_form_stacks_the_named_columns_labels_them_and_leaves_out_missing_values():
    frame = pd.DataFrame({"season": [2023, 2024], "model": [0.7, None], "grid": [0.6, 0.65], "other": [1, 2]})
    long = long_form(frame, "season", {"model": "the model", "grid": "the grid"}, "predictor", "score")
    assert long.to_dict("records") == [
        {"season": 2023, "predictor": "the model", "score": 0.7},
        {"season": 2023, "predictor": "the grid", "score": 0.6},
        {"season": 2024, "predictor": "the grid", "score": 0.65},
    ]
