"""The results app (app/) in Streamlit's AppTest, against small databases built here (tests/python/app_fixture.py).

Each page must run without an exception and show its heading, its charts and the expected rows, with column
labels a person reads; the forecasts page opens on the next race; the model and track-record pages colour a
difference only when its interval excludes 0; a newer build, and a refused prediction, reach an open page
without "Reload data"; missing tables, an empty registry or track record, a missing database and a database
locked by a writer show a notice instead.
"""

import re
import subprocess
import sys
import time

import app_fixture
import duckdb
import pandas as pd
import pytest
import yaml
from conftest import PROJECT_DIR
from streamlit.testing.v1 import AppTest

APP_DIR = PROJECT_DIR / "app"
sys.path.insert(0, str(APP_DIR))
import charts  # noqa: E402
import engine  # noqa: E402
import forecasts  # noqa: E402
import queries  # noqa: E402
import ui  # noqa: E402
from charts import long_form  # noqa: E402
from navigation import VIEWS  # noqa: E402

VIEW = {view.url_path: view for view in VIEWS}
NO_MODEL = "No model registered yet: run scripts/run"
CODE_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return app_fixture.build_app_database(tmp_path_factory.mktemp("app") / "app.duckdb")


def open_app(monkeypatch, database, url_path="") -> AppTest:
    monkeypatch.setenv("F1_APP_ENGINE", "duckdb")
    monkeypatch.setenv("F1_DUCKDB_PATH", str(database))
    monkeypatch.delenv("F1_APP_SCHEMA", raising=False)
    app = AppTest.from_file(str(APP_DIR / "streamlit_app.py"), default_timeout=30)
    app.run()
    if url_path:
        app.switch_page(VIEW[url_path].file).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def charts_shown(app: AppTest) -> int:
    return len(app.get("vega_lite_chart")) + len(app.get("arrow_vega_lite_chart"))


def tables(app: AppTest) -> list[pd.DataFrame]:
    return [table.value for table in [*app.table, *app.dataframe]]


def notices(app: AppTest) -> list[str]:
    return [element.value for element in [*app.info, *app.warning, *app.error]]


def text(app: AppTest) -> str:
    return "\n".join(element.value for element in [*app.markdown, *app.caption, *app.subheader])


@pytest.mark.parametrize(
    ("url_path", "chart_count", "table_rows"),
    [
        ("", 0, []),
        ("predictions", 1, [len(app_fixture.DRIVERS)]),  # the next race, its 20 qualifiers
        ("track-record", 2, [len(app_fixture.RUN_RACES)]),
        ("model-vs-grid", 4, [len(app_fixture.BACKTEST_SEASONS)]),  # confusion, differences, log loss, reliability
        ("registry", 1, [len(app_fixture.VERSIONS)] * 2),
        ("lap-times", 1, [len(app_fixture.LAP_SEASONS)]),
        ("pit-stops", 1, [len(app_fixture.PIT_STOP_SEASONS[2024])]),  # the latest season is chosen first
    ],
)
def test_every_page_shows_its_heading_charts_and_rows(monkeypatch, database, url_path, chart_count, table_rows):
    app = open_app(monkeypatch, database, url_path)
    assert [title.value for title in app.title] == [VIEW[url_path].heading]
    assert charts_shown(app) == chart_count
    assert [len(table) for table in tables(app)] == table_rows
    assert notices(app) == []


@pytest.mark.parametrize("url_path", [view.url_path for view in VIEWS])
def test_every_table_has_column_labels_a_person_reads(monkeypatch, database, url_path):
    """No header is a column name of the code (snake_case) such as race_year or model_version."""
    app = open_app(monkeypatch, database, url_path)
    headers = [str(column) for table in tables(app) for column in table.columns]
    assert [header for header in headers if CODE_NAME.match(header)] == []


def test_navigation_gives_every_page_a_path_of_its_own_and_one_default_at_the_root():
    """Streamlit serves the default page at / and ignores its url_path: only the page whose path is empty may be
    the default, so every other path opens its own page (a browser test opens each)."""
    paths = [view.url_path for view in VIEWS]
    assert paths.count("") == 1 and len(set(paths)) == len(paths)
    assert {"predictions", "track-record", "lap-times", "pit-stops"} <= set(paths)


def test_pit_stop_page_names_the_time_in_the_pit_lane_and_the_season_picker_lists_the_seasons(monkeypatch, database):
    app = open_app(monkeypatch, database, "pit-stops")
    caption = text(app)
    assert "Time in the pit lane" in caption and "no stationary time" in caption
    assert "red flag" in caption and "left out" in caption
    picker = app.selectbox[0]
    assert picker.options == ["2024", "2023"]
    picker.select(2023).run()
    table = app.table[0].value
    assert table["Constructor"].tolist() == app_fixture.PIT_STOP_SEASONS[2023]
    assert "Interrupted stops left out" in table.columns


def test_lap_time_page_counts_the_interrupted_laps_it_left_out(monkeypatch, database):
    app = open_app(monkeypatch, database, "lap-times")
    table = app.dataframe[0].value
    expected = app_fixture.lap_times().sort_values("race_year", ascending=False)
    assert table["Interrupted laps left out"].tolist() == expected["interrupted_lap_count"].tolist()
    assert "red flag" in text(app)


def test_forecasts_open_on_the_next_race_a_forecast_from_qualifying(monkeypatch, database):
    app = open_app(monkeypatch, database, "predictions")
    picker = app.selectbox[0]
    assert picker.value == app_fixture.UPCOMING_RACE
    assert picker.options[-1] == "Round 3: Australian Grand Prix (2024-03-24) · next race"
    shown = text(app)
    assert "A forecast made before the race" in shown and "from qualifying" in shown
    assert forecasts.HOW_CALLS_ARE_MADE in shown
    table = app.table[0].value
    assert table.columns.tolist() == ["Qualified", "Driver", "Team", "Chance of a podium",
                                      "Chance of points", "Chance of no points", "Call"]  # fmt: skip
    assert table["Call"].value_counts().to_dict() == {"no points": 10, "points": 7, "podium": 3}
    rows = app_fixture.predictions().query(f"race_id == {app_fixture.UPCOMING_RACE}").sort_values("grid_position")
    assert table["Chance of a podium"].tolist() == pytest.approx((100 * rows["prob_podium"]).tolist())
    assert app.metric.len == 0  # nothing to score before the race


def test_a_race_run_shows_its_result_beside_the_forecast_and_the_calls_right(monkeypatch, database):
    app = open_app(monkeypatch, database, "predictions")
    app.selectbox[0].select(1101).run()
    table = app.table[0].value
    assert table.columns.tolist()[-3:] == ["Result", "Call right", "Grid rule call"]
    # Grid order, the pit-lane start (grid 0) last and the driver not classified shown so.
    assert table["Grid"].iloc[-1] == "pit lane" and table["Driver"].iloc[-1] == "Pierre Gasly"
    assert table.loc[table["Driver"] == "Logan Sargeant", "Result"].tolist() == ["not classified"]
    race = app_fixture.predictions().query("race_id == 1101")
    model = (race["predicted_position_label"] == race["position_label"]).sum()
    grid = (race["grid_baseline_label"] == race["position_label"]).sum()
    podium = ((race["predicted_position_label"] == 1) & (race["position_label"] == 1)).sum()
    assert [metric.value for metric in app.metric] == [f"{model} of 20", f"{grid} of 20", f"{podium} of 3"]
    assert (table["Call right"] == "yes").sum() == model


def test_without_an_upcoming_race_the_forecasts_open_on_the_latest_race_run(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "no_upcoming.duckdb")
    with duckdb.connect(str(database)) as connection:
        connection.execute("delete from main.apply_prediction_to_position where race_status = 'upcoming'")
    app = open_app(monkeypatch, database, "predictions")
    assert app.selectbox[0].value == app_fixture.RUN_RACES[-1][0]
    assert "A race already run" in text(app)


def test_a_refused_prediction_shows_no_forecast(monkeypatch, tmp_path):
    """A refused prediction empties apply_prediction_to_position (its pre-hook): the page says so and shows no
    forecast, and the overview calls no race."""
    database = app_fixture.build_app_database(tmp_path / "refused.duckdb")
    with duckdb.connect(str(database)) as connection:
        connection.execute("delete from main.apply_prediction_to_position")
    app = open_app(monkeypatch, database, "predictions")
    assert notices(app) == [ui.NO_FORECAST_MESSAGE]
    assert tables(app) == [] and charts_shown(app) == 0
    assert "Next race" not in text(open_app(monkeypatch, database, ""))


def test_overview_names_the_next_race_and_its_podium_calls(monkeypatch, database):
    app = open_app(monkeypatch, database, "")
    race = app_fixture.predictions().query(f"race_id == {app_fixture.UPCOMING_RACE}")
    called = race[race["predicted_position_label"] == 1].sort_values("prob_podium", ascending=False)
    assert f"Called on the podium: {', '.join(called['driver_name'])}." in text(app)
    assert len(app.get("page_link")) == len(VIEWS) - 1  # every other page


def metric_colors(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.proto.MetricColor.Name(metric.proto.color) for metric in app.metric}


def test_model_page_colours_a_difference_only_when_its_interval_excludes_zero(monkeypatch, database):
    app = open_app(monkeypatch, database, "model-vs-grid")
    row = app_fixture.evaluation().iloc[0]
    metrics = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    assert metrics["Accuracy: model"] == (
        f"{row['model_accuracy']:.3f}",
        f"{row['accuracy_difference']:+.3f} [-0.050, +0.080] vs grid rule",
    )
    colors = metric_colors(app)
    # accuracy [-0.05, +0.08] and balanced accuracy [-0.02, +0.04] include 0: grey; macro F1 [+0.01, +0.06] and
    # log loss [-0.09, -0.02] (lower is better) exclude it: green.
    assert (colors["Accuracy: model"], colors["Balanced accuracy: model"]) == ("GRAY", "GRAY")
    assert (colors["Macro F1: model"], colors["Log loss: model"]) == ("GREEN", "GREEN")
    assert metrics["Log loss: uncoupled probabilities"][0] == f"{row['uncoupled_log_loss']:.3f}"


def test_backtest_table_colours_the_differences_whose_interval_excludes_zero(monkeypatch, database):
    app = open_app(monkeypatch, database, "model-vs-grid")
    table = app.table[0]
    assert table.value["Season"].tolist() == ["2021", "2022", "2023"]
    assert table.value["Accuracy: difference [95% interval]"].tolist()[1] == "+0.025 [+0.010, +0.050]"
    styles = table.proto.arrow_data.styler.styles
    columns = table.value.columns.tolist()
    colored = set()
    for selectors, color in re.findall(r"([^{}]+)\{\s*background-color:\s*(#\w+)\s*\}", styles):
        for row, col in re.findall(r"row(\d+)_col(\d+)", selectors):
            colored.add((int(row), columns[int(col)], color))
    # 2022: accuracy and macro F1 above 0 (model better, blue); 2023: below 0 (grid rule better, orange);
    # balanced accuracy's intervals include 0 every season: no colour.
    assert colored == {
        (1, "Accuracy: difference [95% interval]", ui.MODEL_BETTER),
        (1, "Macro F1: difference [95% interval]", ui.MODEL_BETTER),
        (2, "Accuracy: difference [95% interval]", ui.BASELINE_BETTER),
        (2, "Macro F1: difference [95% interval]", ui.BASELINE_BETTER),
    }


def test_differences_chart_colours_only_intervals_that_exclude_zero():
    rows = pd.DataFrame({"season": ["a", "b", "c"]})
    for metric in charts.METRICS:
        rows[f"{metric}_difference"] = [0.01, 0.03, -0.03]
        rows[f"{metric}_ci_low"] = [-0.02, 0.01, -0.05]
        rows[f"{metric}_ci_high"] = [0.04, 0.05, -0.01]
    chart = charts.differences(rows, "season", "season").to_dict()
    [data] = [pd.DataFrame(rows) for rows in chart["datasets"].values()]
    assert data.groupby("season")["verdict"].nunique().eq(1).all()  # the same verdict for the three metrics
    assert data.groupby("season")["verdict"].first().to_dict() == {
        "a": "no clear difference",
        "b": "model better",
        "c": "grid rule better",
    }


def test_a_partial_hold_out_season_is_marked(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "partial.duckdb", partial=True)
    app = open_app(monkeypatch, database, "model-vs-grid")
    assert [header.value for header in app.subheader][0] == "Hold-out season 2024 (partial season)"
    assert "Partial season" in text(app)


def test_track_record_shows_each_scored_race_and_the_version_against_the_baselines(monkeypatch, database):
    app = open_app(monkeypatch, database, "track-record")
    record = app_fixture.track_record(app_fixture.predictions())
    races, version = record[record["scope"] == "race"], record[record["scope"] == "version"].iloc[0]
    table = app.table[0].value
    assert table["Calls right: model"].tolist() == races["model_calls_right"].tolist()
    assert table["Calls right: grid rule"].tolist() == races["grid_rule_calls_right"].tolist()
    assert f"{int(version['model_calls_right'])} calls right against {int(version['grid_rule_calls_right'])}" in text(
        app
    )
    assert metric_colors(app) == {"Accuracy: model": "GRAY", "Log loss: model": "GREEN"}


def test_track_record_before_any_scored_forecast_says_how_it_fills(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "unscored.duckdb", scored=False)
    app = open_app(monkeypatch, database, "track-record")
    assert len(app.info) == 1 and app.info[0].value.startswith("No forecast has been scored yet.")
    assert charts_shown(app) == 0 and tables(app) == []


def test_registry_names_the_serving_version_and_shows_its_track_record(monkeypatch, database):
    app = open_app(monkeypatch, database, "registry")
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics == {"Versions registered": "3", "Serving": app_fixture.SERVING_VERSION}
    decisions, figures = (table.value for table in app.table)
    assert decisions["Version"].tolist() == app_fixture.VERSIONS  # text, not a number
    serving = figures.set_index("Version").loc[app_fixture.SERVING_VERSION]
    assert serving["Track record: races"] == len(app_fixture.RUN_RACES)
    assert pd.isna(figures.set_index("Version").loc["v0001", "Track record: races"])  # nothing scored, shown "–"


def test_registry_flags_a_broken_metadata_file_of_the_serving_version(monkeypatch, tmp_path):
    problem = "metadata.json in the store differs from the ledger's record"
    database = app_fixture.build_app_database(tmp_path / "broken.duckdb", metadata_check=problem)
    app = open_app(monkeypatch, database, "registry")
    assert len(app.warning) == 1 and problem in app.warning[0].value


@pytest.mark.parametrize("url_path", ["predictions", "model-vs-grid", "registry"])
def test_empty_registry_says_no_model_is_registered(monkeypatch, tmp_path, url_path):
    database = app_fixture.build_app_database(tmp_path / "empty.duckdb", with_model=False)
    app = open_app(monkeypatch, database, url_path)
    assert [title.value for title in app.title] == [VIEW[url_path].heading]
    assert notices(app) == [NO_MODEL]
    assert charts_shown(app) == 0


def test_marts_still_show_without_a_model(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "empty.duckdb", with_model=False)
    app = open_app(monkeypatch, database, "lap-times")
    assert charts_shown(app) == 1 and notices(app) == []


def test_absent_backtest_tables_leave_the_rest_of_the_model_page(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(
        tmp_path / "no_backtest.duckdb", without=("ml_backtest", "ml_calibration")
    )
    app = open_app(monkeypatch, database, "model-vs-grid")
    assert charts_shown(app) == 1  # the confusion matrices
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
    with duckdb.connect(str(database)) as connection:
        connection.execute("alter table main.agg_lap_times_moving_avg drop column lap_moving_avg_5_years")
    app = open_app(monkeypatch, database, "lap-times")
    assert [warning.value for warning in app.warning] == [
        "Table `agg_lap_times_moving_avg` lacks columns lap_moving_avg_5_years: rebuild it (scripts/run)."
    ]


def rebuild(database, sql: str, invocation_id: str, failed_nodes: int = 0) -> None:
    """What a dbt run does to the file: change a table, then the on-run-end hook's stamp; then the moment for
    which the app keeps the stamp it read last."""
    with duckdb.connect(str(database)) as connection:
        connection.execute(sql)
    app_fixture.write_build_stamp(database, invocation_id, failed_nodes=failed_nodes)
    time.sleep(queries.STAMP_SECONDS + 0.1)


def test_a_newer_build_reaches_an_open_page_without_reload(monkeypatch, tmp_path):
    """Any rerun (a click, or the sidebar's poll every few seconds) reads the newest build: cached results are
    keyed by the build stamp, so nothing waits for the cache to expire."""
    database = app_fixture.build_app_database(tmp_path / "rebuilt.duckdb")
    app = open_app(monkeypatch, database, "lap-times")
    assert app.dataframe[0].value["Mean lap time (s)"].iloc[0] == app_fixture.lap_times()["lap_time_seconds"].iloc[-1]
    rebuild(database, "update main.agg_lap_times_moving_avg set lap_time_seconds = 77.5", "build-2")
    app.run()
    assert set(app.dataframe[0].value["Mean lap time (s)"]) == {77.5}
    assert "build" in app.sidebar.caption[0].value


def test_a_refused_prediction_reaches_an_open_page_as_no_forecast(monkeypatch, tmp_path):
    database = app_fixture.build_app_database(tmp_path / "refused_later.duckdb")
    app = open_app(monkeypatch, database, "predictions")
    assert len(app.table[0].value) == len(app_fixture.DRIVERS)
    rebuild(database, "delete from main.apply_prediction_to_position", "predict-refused", failed_nodes=1)
    app.run()
    assert notices(app) == [ui.NO_FORECAST_MESSAGE] and tables(app) == []
    assert "1 failed" in app.sidebar.caption[0].value


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
    assert app.warning.len == 0 and charts_shown(app) == 1


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


def test_long_form_stacks_the_named_columns_labels_them_and_leaves_out_missing_values():
    frame = pd.DataFrame({"season": [2023, 2024], "model": [0.7, None], "grid": [0.6, 0.65], "other": [1, 2]})
    long = long_form(frame, "season", {"model": "the model", "grid": "the grid"}, "predictor", "score")
    assert long.to_dict("records") == [
        {"season": 2023, "predictor": "the model", "score": 0.7},
        {"season": 2023, "predictor": "the grid", "score": 0.6},
        {"season": 2024, "predictor": "the grid", "score": 0.65},
    ]
