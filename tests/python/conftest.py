"""Shared pytest setup: project paths, and importing dbt Python model files as plain modules."""

from f1ml import PROJECT_DIR
from f1ml import import_file as load_model_file  # dbt Python model files, imported by path

# What the test modules import from here.
__all__ = ["PROJECT_DIR", "load_model_file", "SHIPPED_ROW_COUNTS", "DUMMY_SNOWFLAKE_ENV", "unsuccessful"]

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
