"""Shared pytest setup: project paths, dbt runs in a
temporary directory, and one scripts/run for the session."""

import json
import os
import shutil
import subprocess

import pytest
from filelock import FileLock

from f1ml import PROJECT_DIR

# What the test modules import from here.
__all__ = [
    "PROJECT_DIR", "SHIPPED_ROW_COUNTS", "DUMMY_SNOWFLAKE_ENV", "unsuccessful", "dbt_env", "space_in",
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


# The modules that take a minute or more (most run dbt jobs), longest first; the rest follow in their own order.
# scripts/test gives each module whole to one of two workers in this order (--dist loadfile
# --no-loadscope-reorder), so the long ones start early and the two workers end together. The first builds the
# session's scripts/run while the second starts on a module that does not need it.
LONGEST_FIRST = [
    "test_pipeline_e2e", "test_race_week_e2e", "test_registry_faults_e2e", "test_snowpark_local",
    "test_app_with_dbt", "test_vintage_e2e", "test_corrections_e2e", "test_snowflake_emulation", "test_jobs",
    "test_raw_layouts_e2e", "test_ml_features", "test_run_output",
]  # fmt: skip


def pytest_collection_modifyitems(items):
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))


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


def space_in(root) -> dict:
    """Where a test's dbt runs keep their state, under `root`: the database, the model store, dbt's target, and
    the environment that points dbt and the tools there."""
    return {"root": root, "env": dbt_env(root), "database": root / "f1.duckdb", "registry": root / "registry",
            "target": root / "target"}  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, scripts_run):
    """A copy of the session's scripts/run (the load, the retrain job as a user runs it), for this module to
    run more jobs on."""
    built, _ = scripts_run
    root = tmp_path_factory.mktemp("pipeline")
    shutil.copy(built / "f1.duckdb", root / "f1.duckdb")
    for folder in ("registry", "target"):
        shutil.copytree(built / folder, root / folder)
    space = space_in(root)
    space["retrain_results"] = json.loads((space["target"] / "run_results.json").read_text())["results"]
    return space


@pytest.fixture(scope="module")
def copy_root(tmp_path_factory):
    """Where `copy` puts each test's copy: one directory for the whole module. dbt's partial-parse state includes
    the database path and the --vars, so at a path of its own per test every copy parsed the project afresh."""
    return tmp_path_factory.mktemp("copy")


@pytest.fixture
def copy(workspace, copy_root):
    """A copy of the built database and of the model store, for tests that change them. Nothing of the
    previous test's copy is left but dbt's parse cache (target/partial_parse.msgpack); to keep a failing test's
    copy for a look, run that test alone (`-k`)."""
    parse_cache = copy_root / "target" / "partial_parse.msgpack"
    cached = parse_cache.read_bytes() if parse_cache.is_file() else None
    for entry in copy_root.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    if cached is not None:
        parse_cache.parent.mkdir()
        parse_cache.write_bytes(cached)
    shutil.copy(workspace["database"], copy_root / "f1.duckdb")
    shutil.copytree(workspace["registry"], copy_root / "registry")
    return space_in(copy_root)
