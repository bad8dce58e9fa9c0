"""The results app in a real browser: headless Chromium (Debian's `chromium`) opens each page of the running app
on a small database built here, and every page must show its heading and drawn charts with no error element.
A screenshot of each page is saved. Without Chromium the tests are skipped, saying how to install it.
"""

import app_fixture
import pytest

from f1ml.dev.app_browser import INSTALL_HINT, VIEWS, chromium, chromium_path, open_view, serve_app, view_state

pytestmark = pytest.mark.skipif(chromium_path() is None, reason=INSTALL_HINT)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


@pytest.mark.parametrize("view", VIEWS, ids=[view.url_path for view in VIEWS])
def test_each_page_renders_its_heading_and_charts_without_errors(app_url, browser, screenshot_dir, view):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_view(page, f"{app_url}/{view.url_path}")
        state = view_state(page)
        screenshot = screenshot_dir / f"{view.url_path}.png"
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    assert state["heading"] == view.heading
    assert state["charts"] >= 1
    assert state["problems"] == []
    assert state["notices"] == []
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE) and screenshot.stat().st_size > 10_000


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
