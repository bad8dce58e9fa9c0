"""The results app in a real browser: headless Chromium (Debian's `chromium`) opens every path of the app's
navigation as a person does (typing the URL) on a small database built here (tests/python/app_fixture.py: the
next race upcoming, two races run and their forecasts scored). Every page must show its heading and drawn
charts and no problem: no traceback, error or warning, no Streamlit dialog such as "Page not found", no table
with columns off its right edge, rows behind a scroll, column names of the code or cells with an error marker
(f1ml.app_browser.view_state). An open page follows a newer build, and a refused prediction, by itself.
A screenshot of each page is saved. Without Chromium the tests are skipped, saying how to install it.
"""

import time

import app_fixture
import duckdb
import pytest

from f1ml.dev.app_browser import INSTALL_HINT, VIEWS, chromium, chromium_path, open_view, serve_app, view_state

pytestmark = pytest.mark.skipif(chromium_path() is None, reason=INSTALL_HINT)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHARTS = {"": 0, "predictions": 1, "track-record": 2, "model-vs-grid": 4, "registry": 1, "lap-times": 1,
          "pit-stops": 1}  # fmt: skip
NO_FORECAST = "No current forecast: the last prediction run was refused or failed"
# A table drawn on a canvas; its accessible copy (a table element) holds the values.
GRID = '[data-testid="stDataFrame"]'
# The sidebar looks for a newer build every 5 s (app/engine.py POLL_SECONDS); a page must follow within this.
FOLLOW_SECONDS = 20


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    database = app_fixture.build_app_database(tmp_path_factory.mktemp("app_browser") / "app.duckdb")
    with serve_app(database) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("app_screenshots")


def test_every_view_is_listed_with_its_expected_charts():
    assert set(CHARTS) == {view.url_path for view in VIEWS}


@pytest.mark.parametrize("view", VIEWS, ids=[view.url_path or "root" for view in VIEWS])
def test_each_path_opens_its_page_with_its_heading_and_charts_and_no_problem(app_url, browser, screenshot_dir, view):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_view(page, f"{app_url}/{view.url_path}")
        state = view_state(page)
        screenshot = screenshot_dir / f"{view.url_path or 'root'}.png"
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    assert state["heading"] == view.heading
    assert state["charts"] == CHARTS[view.url_path]
    assert state["problems"] == []
    assert state["notices"] == []
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE) and screenshot.stat().st_size > 10_000


def test_the_forecasts_open_on_the_next_race_and_the_track_record_shows_the_scored_races(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_view(page, f"{app_url}/predictions")
        chosen = page.locator('[data-testid="stSelectbox"] input').input_value()  # the race picker's choice
        forecast = page.inner_text('[data-testid="stMain"]')
        open_view(page, f"{app_url}/track-record")
        record = page.inner_text('[data-testid="stMain"]')
    finally:
        page.close()
    assert chosen == "Round 3: Australian Grand Prix (2024-03-24) · next race"
    assert "A forecast made before the race" in forecast and "from qualifying" in forecast
    assert "Chance of a podium" in forecast and "How calls are made" in forecast
    assert f"{len(app_fixture.RUN_RACES)} races scored" in record
    assert all(name in record for _, _, name, _, _ in app_fixture.RUN_RACES)


def test_empty_registry_page_shows_its_message_in_the_browser(tmp_path, browser):
    database = app_fixture.build_app_database(tmp_path / "empty.duckdb", with_model=False)
    page = browser.new_page()
    try:
        with serve_app(database) as url:
            open_view(page, f"{url}/registry")
            state = view_state(page)
    finally:
        page.close()
    assert state["heading"] == "Model registry"
    assert state["notices"] == ["No model registered yet: run scripts/run"]
    assert state["problems"] == [] and state["charts"] == 0


def rebuild(database, sql: str, invocation_id: str, failed_nodes: int = 0) -> None:
    """What a dbt run does to the file, while the app serves: change a table, then the on-run-end hook's stamp.
    The app's reads hold the file for a moment now and then: retry as dbt does."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with duckdb.connect(str(database)) as connection:
                connection.execute(sql)
            app_fixture.write_build_stamp(database, invocation_id, failed_nodes=failed_nodes)
            return
        except duckdb.IOException:
            assert time.monotonic() < deadline, "the app held the database for 30 s"
            time.sleep(0.2)


def test_an_open_page_follows_a_newer_build_by_itself(tmp_path, browser):
    database = app_fixture.build_app_database(tmp_path / "rebuilt.duckdb")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        with serve_app(database) as url:
            open_view(page, f"{url}/lap-times")
            assert "77.5" not in page.locator(f"{GRID} table").text_content()
            rebuild(database, "update main.agg_lap_times_moving_avg set lap_time_seconds = 77.5", "build-2")
            # No click: the page reruns on the new build by itself.
            page.wait_for_function(
                f"() => document.querySelector('{GRID} table').textContent.includes('77.5')",
                timeout=FOLLOW_SECONDS * 1000,
            )
    finally:
        page.close()


def test_an_open_forecast_page_shows_a_refused_prediction_by_itself(tmp_path, browser):
    database = app_fixture.build_app_database(tmp_path / "refused.duckdb")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        with serve_app(database) as url:
            open_view(page, f"{url}/predictions")
            assert page.locator('[data-testid="stTable"]').count() == 1
            rebuild(database, "delete from main.apply_prediction_to_position", "predict-refused", failed_nodes=1)
            page.get_by_text(NO_FORECAST).wait_for(timeout=FOLLOW_SECONDS * 1000)
            # The rerun draws the message before it removes the elements of the run before: wait for it to end.
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stTable\"]')", timeout=FOLLOW_SECONDS * 1000
            )
            tables = page.locator('[data-testid="stTable"]').count()
            sidebar = page.inner_text('[data-testid="stSidebar"]')
    finally:
        page.close()
    assert tables == 0  # no stale forecast left on the page
    assert "1 failed" in sidebar
