"""A dbt run while the app is open: the app holds no DuckDB connection between queries, so
`dbt build --select tag:predict` succeeds while a browser keeps using the app, and the app, asked to read during
the run, says the database is busy instead of failing; after the run the open page reads the new build by itself
(the on-run-end hook's dbt_build_stamp). A prediction refused by dbt (a tampered artifact) reaches the open
forecasts page by itself as "no current forecast".

Needs a pipeline with a registered model: the module works on its copy of the session's scripts/run
(conftest.workspace), the state a user's checkout is in after it.
Needs Chromium, like test_app_browser.py.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT_DIR

from f1ml.dev.app_browser import INSTALL_HINT, VIEWS, chromium, chromium_path, open_view, serve_app, view_state

pytestmark = pytest.mark.skipif(chromium_path() is None, reason=INSTALL_HINT)
BUSY = "A dbt run is writing the database right now: reload this page in a moment."
NO_FORECAST = "No current forecast: the last prediction run was refused or failed"
# The sidebar looks for a newer build every 5 s (app/engine.py POLL_SECONDS).
FOLLOW_MS = 20_000


def run(command, env):
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


@pytest.fixture(scope="module")
def space(workspace):
    """The module's copy of the session's scripts/run (conftest.workspace), with the dbt vars of its model store."""
    return {**workspace, "vars": json.dumps({"model_registry_dir": str(workspace["registry"])})}


def holds_file_open(pid: int, path: Path) -> bool:
    """True when the process has the file open: DuckDB locks its file while it is open."""
    with os.scandir(f"/proc/{pid}/fd") as entries:
        for entry in entries:
            try:
                if os.readlink(entry.path) == str(path):
                    return True
            except OSError:  # the descriptor closed meanwhile
                continue
    return False


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)


def test_predict_build_succeeds_while_the_app_serves_and_reads(space):
    with serve_app(space["database"]) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for view in VIEWS:  # every page read once: results now cached
            open_view(page, f"{url}/{view.url_path}")
            assert view_state(page)["problems"] == [], view.url_path

        dbt = subprocess.Popen(
            [sys.executable, "-m", "dbt.cli.main", "build", "--select", "tag:predict", "--vars", space["vars"]],
            cwd=PROJECT_DIR,
            env=space["env"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(
                lambda: dbt.poll() is not None or holds_file_open(dbt.pid, space["database"]),
                180,
                "dbt to open the database",
            )
            assert dbt.poll() is None, "dbt finished before the app could be used during the run"

            # During the run: a page still shows, from the cache, with no error.
            open_view(page, f"{url}/predictions")
            state = view_state(page)
            assert state["heading"] == "Race forecasts" and state["problems"] == [], state
            # Asked to read now, the app waits briefly, then says the database is busy.
            page.get_by_role("button", name="Reload data").click()
            page.wait_for_selector('[data-testid="stAlertContentWarning"]', timeout=30_000)
            during = view_state(page)
            read_while_dbt_ran = dbt.poll() is None
        finally:
            output, _ = dbt.communicate(timeout=600)
        assert dbt.returncode == 0, output[-4000:]
        assert read_while_dbt_ran, "dbt ended before the app's read; the busy path was not exercised"
        assert BUSY in during["problems"]

        # After the run: the open page reads the new build by itself, no click.
        page.wait_for_selector('[data-testid="stAlertContentWarning"]', state="detached", timeout=FOLLOW_MS)
        open_view(page, f"{url}/registry")
        after = view_state(page)
        assert after["problems"] == [] and after["charts"] == 1


def hold_read_lock(database: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the database open read-only, as the app does during a query."""
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); time.sleep(float(sys.argv[2])); c.close()", str(database), str(seconds)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline().strip() == "open"
    return reader


def test_dbt_retries_the_lock_of_a_reader_that_holds_the_file_when_it_starts(space, tmp_path):
    """The app's reads are short, but dbt may start during one: profiles.yml retries the lock (after 1, 2 and
    4 s). Without the retries the same start fails."""
    command = [sys.executable, "-m", "dbt.cli.main", "run", "--select", "ml_hold_out_evaluation"]
    command += ["--vars", space["vars"]]
    profiles = (PROJECT_DIR / "profiles.yml").read_text()
    assert "connect_attempts: 4" in profiles
    (tmp_path / "profiles.yml").write_text(profiles.replace("connect_attempts: 4", "connect_attempts: 1"))
    env_without_retries = {**space["env"], "DBT_PROFILES_DIR": str(tmp_path)}
    for env, should_succeed in ((env_without_retries, False), (space["env"], True)):
        reader = hold_read_lock(space["database"], seconds=8)
        result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        reader.wait(timeout=30)
        assert (result.returncode == 0) is should_succeed, result.stdout[-3000:]
        if not should_succeed:
            assert "lock" in result.stdout.lower()


def test_a_refused_prediction_reaches_the_open_forecasts_page_by_itself(space):
    """The serving artifact replaced in the store: the predict build refuses it, its pre-hook has emptied the
    forecasts and its on-run-end hook records the failure; the open page drops the forecast it showed."""
    artifact = space["registry"] / "driver_position" / "v0001" / "model.joblib"
    original = artifact.read_bytes()
    with serve_app(space["database"]) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_view(page, f"{url}/predictions")
        assert page.locator('[data-testid="stTable"]').count() == 1  # a forecast is shown
        artifact.write_bytes(b"not the model that was trained")
        try:
            result = subprocess.run(
                [sys.executable, "-m", "dbt.cli.main", "build", "--select", "tag:predict", "--vars", space["vars"]],
                cwd=PROJECT_DIR, env=space["env"], capture_output=True, text=True,
            )  # fmt: skip
        finally:
            artifact.write_bytes(original)
        assert result.returncode != 0 and "Refusing to load" in result.stdout + result.stderr
        page.get_by_text(NO_FORECAST).wait_for(timeout=FOLLOW_MS)
        # The rerun draws the message before it removes the elements of the run before: wait for the rerun to end.
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stTable\"]')", timeout=FOLLOW_MS)
        assert page.locator('[data-testid="stTable"]').count() == 0
        assert " failed." in page.inner_text('[data-testid="stSidebar"]')
