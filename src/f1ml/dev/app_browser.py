"""Serve the results app and look at it in headless Chromium (Debian's `chromium`, driven by Playwright).

Shared by the browser tests (tests/python/test_app_browser.py, test_app_with_dbt.py) and f1ml.dev.app_tour.
Nothing is downloaded: Playwright drives the system Chromium, started with flags that keep it off the network.
"""

import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from app.navigation import VIEWS  # the app's page list: URL paths and headings (app/ is importable: pyproject.toml)
from f1ml import PROJECT_DIR

INSTALL_HINT = "headless Chromium is not installed: apt-get install -y chromium"
# Headless, and no background traffic: on a closed network Chromium's own connections are refused.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
CHART = '[data-testid="stVegaLiteChart"]'
DRAWN_CHART = f"{CHART} canvas, {CHART} svg"
# What a page must not show: a traceback, or an error or warning notice.
PROBLEMS = '[data-testid="stException"], [data-testid="stAlertContentError"], [data-testid="stAlertContentWarning"]'
NOTICES = '[data-testid="stAlertContentInfo"]'


def chromium_path() -> str | None:
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(database: Path, timeout: float = 60.0):
    """Start the app as a person does (scripts/app) on the given DuckDB file; yield its base URL; stop it."""
    port = free_port()
    env = {**os.environ, "F1_DUCKDB_PATH": str(database)}
    # Later flags override scripts/app's own: a free port on the loopback address, no file watching.
    command = ["bash", "scripts/app", "--server.address", "127.0.0.1", "--server.port", str(port),
               "--server.fileWatcherType", "none"]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, process, timeout, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(url: str, process: subprocess.Popen, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app exited with {process.returncode}:\n{log.read().decode()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            if response.read().strip() == b"ok":
                return
        time.sleep(0.2)
    raise TimeoutError(f"the app did not answer {url}/_stcore/health within {timeout} s")


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright), with a new empty profile that is removed afterwards."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_view(page, url: str, timeout_ms: float = 30_000) -> float:
    """Load one view (a full page load) and wait until it has finished: heading shown, script done, every chart
    drawn. Returns the seconds from navigation to that point: the page load a person waits for.
    """
    start = time.perf_counter()
    page.goto(url)
    wait_until_rendered(page, timeout_ms)
    return time.perf_counter() - start


def switch_view(page, view, timeout_ms: float = 30_000) -> float:
    """Go to another view with the app's own menu (no page load) and wait until it has finished; seconds taken."""
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNavLink"]', has_text=view.menu_title).click()
    wait_until_rendered(page, timeout_ms, heading=view.heading)
    return time.perf_counter() - start


# Done: the script has run, no element is still a placeholder (Streamlit loads chart and table code lazily,
# showing a skeleton meanwhile) and every chart has drawn its canvas or svg.
RENDERED = """([chart, drawn, heading]) =>
    document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]') !== null
    && document.querySelector('h1') !== null
    && (heading === null || document.querySelector('h1').innerText.trim() === heading)
    && document.querySelector('[data-testid="stSkeleton"], [data-testid="stStatusWidget"]') === null
    && document.querySelectorAll(drawn).length >= document.querySelectorAll(chart).length"""


def wait_until_rendered(page, timeout_ms: float = 30_000, heading: str | None = None) -> None:
    page.wait_for_function(RENDERED, arg=[CHART, DRAWN_CHART, heading], timeout=timeout_ms, polling=50)


def view_state(page) -> dict:
    """What a rendered view shows: its heading, drawn charts, problems (text: tracebacks, errors and warnings,
    Streamlit's dialogs such as "Page not found", and tables a person cannot read whole) and informational
    notices (text)."""
    problems = [text.strip() for text in page.locator(f"{PROBLEMS}, {DIALOG}").all_inner_texts()]
    return {
        "heading": page.inner_text("h1").strip(),
        "charts": page.locator(DRAWN_CHART).count(),
        "problems": problems + table_problems(page),
        "notices": [text.strip() for text in page.locator(NOTICES).all_inner_texts()],
    }


# Streamlit's dialogs (the app opens none of its own): "Page not found" opens one.
DIALOG = '[data-testid="stDialog"]'
GRID = '[data-testid="stDataFrame"]'
# A table's accessible copy (drawn on a canvas, the table itself is not in the DOM): its size, and the headers
# and rows in view.
GRID_SHAPE = """grid => {
    const table = grid.querySelector('table[role="grid"]');
    if (table === null) return null;
    return {
        columns: Number(table.getAttribute('aria-colcount')),
        rows: Number(table.getAttribute('aria-rowcount')) - 1,
        headers: [...table.querySelectorAll('th[role="columnheader"]')].map(th => th.innerText.trim()),
        rows_in_view: table.querySelectorAll('tbody tr').length,
    };
}"""
# A static table (st.table) is in the DOM: its headers, and how far it overflows its frame.
STATIC_TABLE = '[data-testid="stTable"]'
STATIC_TABLE_SHAPE = """frame => ({
    headers: [...frame.querySelectorAll('thead th')].map(th => th.innerText.trim()).filter(text => text !== ''),
    overflow: Math.round(frame.querySelector('table').scrollWidth - frame.getBoundingClientRect().width),
})"""
CODE_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def table_problems(page) -> list[str]:
    """Per table: columns hidden off its right edge, rows behind a scroll, headers that are column names of the
    code (snake_case), and cells with Streamlit's error marker (a red corner: a value its column cannot show).
    A static table (st.table) shows every row and wraps its text: only its width and headers are checked."""
    problems = []
    for number, grid in enumerate(page.locator(GRID).all(), start=1):
        grid.locator("table[role=grid]").wait_for(state="attached")
        shape = grid.evaluate(GRID_SHAPE)
        name = f"table {number} ({', '.join(shape['headers'][:2])}, ...)"
        if len(shape["headers"]) < shape["columns"]:
            problems.append(f"{name}: {len(shape['headers'])} of {shape['columns']} columns in view")
        if shape["rows_in_view"] < shape["rows"]:
            problems.append(f"{name}: {shape['rows_in_view']} of {shape['rows']} rows in view")
        code_names = [header for header in shape["headers"] if CODE_NAME.match(header)]
        if code_names:
            problems.append(f"{name}: column names of the code: {', '.join(code_names)}")
        if error_markers(grid.screenshot()):
            problems.append(f"{name}: cells with an error marker")
    for number, table in enumerate(page.locator(STATIC_TABLE).all(), start=1):
        shape = table.evaluate(STATIC_TABLE_SHAPE)
        name = f"static table {number} ({', '.join(shape['headers'][:2])}, ...)"
        if shape["overflow"] > 1:
            problems.append(f"{name}: {shape['overflow']} px of columns hidden off its right edge")
        code_names = [header for header in shape["headers"] if CODE_NAME.match(header)]
        if code_names:
            problems.append(f"{name}: column names of the code: {', '.join(code_names)}")
    return problems


def error_markers(png: bytes) -> int:
    """Pixels of the red (the theme's accent colour, faded) that marks a cell whose value its column cannot show;
    the app colours no cell red."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((red >= 200) & (red - green >= 60) & (abs(green - blue) <= 30)).sum())


__all__ = [
    "VIEWS",
    "INSTALL_HINT",
    "chromium",
    "chromium_path",
    "open_view",
    "serve_app",
    "switch_view",
    "view_state",
    "wait_until_rendered",
]
