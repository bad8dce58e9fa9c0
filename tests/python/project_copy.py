"""A copy of the dbt project's files in a temporary directory, for dbt runs that must not see the project as
it is: the offline Snowflake compile (with a test-only is_incremental() that never asks a warehouse) and the
fakesnow probes (with DuckDB-only functions added)."""

import shutil
from pathlib import Path

from conftest import PROJECT_DIR

OFFLINE_COMPILE_MACRO = Path(__file__).resolve().parent / "offline_compile" / "is_incremental.sql"


def copy_project(destination: Path, offline_compile: bool = False) -> Path:
    """models, macros, seeds, analyses, tests/data and the project files; with `offline_compile`, plus the
    is_incremental() override, so `dbt compile --no-introspect` needs no connection."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("dbt_project.yml", "packages.yml", "selectors.yml"):
        shutil.copy2(PROJECT_DIR / name, destination / name)
    for name in ("models", "macros", "seeds", "analyses", "tests/data"):
        shutil.copytree(PROJECT_DIR / name, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
    if offline_compile:
        shutil.copy2(OFFLINE_COMPILE_MACRO, destination / "macros" / OFFLINE_COMPILE_MACRO.name)
    return destination
