"""The raw load that dbt runs by itself on DuckDB: once, before anything else, and only when the raw tables are
absent (plain `dbt build` on a fresh clone). Loaded tables are never replaced here; reloading is the loader's
command (f1-load-raw).

Source and encoding: F1_RAW_SOURCE (a directory, relative to the project, or an http(s) base URL; default the
shipped data/formula1) and F1_RAW_ENCODING (default utf-8), the defaults of f1-load-raw too.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import duckdb

from f1ml.settings import PROJECT_DIR, RAW_SCHEMA

from .load import LoadError, LoadReport, load_into, tables_in_schema
from .tables import TABLES


def default_source() -> str:
    source = os.environ.get("F1_RAW_SOURCE") or "data/formula1"
    if source.lower().startswith(("http://", "https://")):
        return source
    return str(PROJECT_DIR / source)


def default_encoding() -> str:
    return os.environ.get("F1_RAW_ENCODING") or "utf-8"


def raw_tables_present(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    """Which of the 14 raw tables exist in `schema` of the connection's current database."""
    return tables_in_schema(con, schema) & {table.name for table in TABLES}


def load_if_absent(
    con: duckdb.DuckDBPyConnection, schema: str = RAW_SCHEMA, progress: Callable[[str], None] | None = print
) -> LoadReport | None:
    """Load the raw tables when none exists; None when all do. Some but not all is an error: loading would
    replace the ones there, which only the loader's command may do."""
    present = raw_tables_present(con, schema)
    if len(present) == len(TABLES):
        return None
    if present:
        missing = sorted({table.name for table in TABLES} - present)
        raise LoadError(
            f"schema {schema} holds only some of the raw tables (missing: {', '.join(missing)}); "
            "reload them all explicitly with: f1-load-raw"
        )
    return load_into(con, default_source(), schema, progress, default_encoding())
