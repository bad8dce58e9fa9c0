"""Serve the results app and look at it in headless Chromium (Debian's `chromium`, driven by Playwright).

Shared by the browser tests (tests/python/test_app_browser.py, test_app_with_dbt.py) and f1ml.dev.app_tour.
Nothing is downloaded: Playwright drives the system Chromium, started with flags that keep it off the network.
"""

import contextlib
import os
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
    """What a rendered view shows: its heading, drawn charts, problems (text) and informational notices (text)."""
    return {
        "heading": page.inner_text("h1").strip(),
        "charts": page.locator(DRAWN_CHART).count(),
        "problems": [text.strip() for text in page.locator(PROBLEMS).all_inner_texts()],
        "notices": [text.strip() for text in page.locator(NOTICES).all_inner_texts()],
    }


__all__ = ["VIEWS", "INSTALL_HINT", "chromium", "chromium_path", "open_view", "serve_app", "switch_view", "view_state"]
