"""Shared pytest setup: project paths, dbt runs in a
temporary directory, and one scripts/run for the session."""

import json
import os
import subprocess

import pytest
from filelock import FileLock

from f1ml import PROJECT_DIR

# What the test modules import from here.
__all__ = [
    "PROJECT_DIR", "SHIPPED_ROW_COUNTS", "DUMMY_SNOWFLAKE_ENV", "unsuccessful", "dbt_env",
]  # fmt: skip

# Row counts of the shipped dataset (data/formula1/README.md), checked by the loader and generator tests.
SHIPPED_ROW_COUNTS = {
    "circuits": 77,
    "constructor_results": 12_625,
    "constructor_standings": 13_391,
    "constructors": 212,
    "driver_standings": 34_863,
    "drivers": 861,
    "lap_times": 589_081,
    "pit_stops": 11_371,
    "qualifying": 10_494,
    "races": 1_125,
    "results": 26_759,
    "seasons": 75,
    "sprint_results": 360,
    "status": 139,
}

# Placeholder Snowflake credentials: the snowflake target renders from them, and nothing connects.
DUMMY_SNOWFLAKE_ENV = {
    "SNOWFLAKE_ACCOUNT": "dummy-account",
    "SNOWFLAKE_USER": "dummy_user",
    "SNOWFLAKE_PASSWORD": "not-a-real-password",
    "SNOWFLAKE_SCHEMA": "dbt_ci",
}


def unsuccessful(results: list[dict]) -> dict[str, str]:
    """The nodes of a dbt run_results.json that did not succeed, with their status. An exposure is a node with
    nothing to run: its status "no-op" is its success."""
    return {
        r["unique_id"]: r["status"]
        for r in results
        if r["status"] not in ("success", "pass")
        and not (r["unique_id"].startswith("exposure.") and r["status"] == "no-op")
    }


def dbt_env(root, **extra: str) -> dict[str, str]:
    """Environment for dbt and the f1-* tools on the DuckDB file, target and logs under `root`: nothing touches
    the project's own state, and a DBT_TARGET or raw-load setting of the caller's shell does not leak in."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("DBT_TARGET", "F1_RAW_ENCODING", "F1_RAW_SOURCE")}
    return {
        **inherited,
        "F1_DUCKDB_PATH": str(root / "f1.duckdb"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **extra,
    }


@pytest.fixture(scope="session")
def scripts_run(tmp_path_factory):
    """scripts/run as on a fresh clone (the environment already installed), with its database, dbt target, logs
    and model registry in a directory of its own: (that directory, the completed process). Shared by the tests
    of its output and the tests that start from a built database; those copy what they change. Under
    pytest-xdist the workers share one run: the first to ask builds it under a file lock, the others read it."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the base directory of every worker of this session
    root, outcome = shared / "scripts_run", shared / "scripts_run.json"
    with FileLock(f"{outcome}.lock"):
        if not outcome.is_file():
            root.mkdir()
            variables = json.dumps({"model_registry_dir": str(root / "registry")})
            result = subprocess.run(
                ["bash", "scripts/run", "--vars", variables], cwd=PROJECT_DIR, env=dbt_env(root),
                capture_output=True, text=True,
            )  # fmt: skip
            outcome.write_text(json.dumps([result.args, result.returncode, result.stdout, result.stderr]))
    return root, subprocess.CompletedProcess(*json.loads(outcome.read_text()))
