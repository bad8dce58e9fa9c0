"""Where the app reads its tables: one code path per engine, chosen by configuration.

    F1_APP_ENGINE   duckdb: the project's DuckDB file. snowflake: the active Snowpark session (Streamlit in
                    Snowflake). Unset: snowflake when a Snowpark session is active, else duckdb.
    F1_DUCKDB_PATH  the DuckDB file, as for dbt (profiles.yml); default formula1.duckdb in the project root.
    F1_APP_SCHEMA   the schema dbt builds into; default main on DuckDB, the session's schema on Snowflake.

DuckDB allows one writer process and no reader beside it, so the app never keeps the file open: each query
opens it read-only, runs and closes. A dbt run can then take its write lock whenever it needs it; while dbt
holds it, a query waits a little, then gives up with DatabaseBusy (the caller shows cached data or a notice).
"""

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[1]
DUCKDB_SCHEMA = "main"
# How long a query waits for a dbt run to release the DuckDB file before reporting it busy.
LOCK_WAIT_SECONDS = 2.0
LOCK_RETRY_SECONDS = 0.1
# How often an open page looks for a newer build (queries.build_stamp). On DuckDB a look opens the file for a
# few milliseconds; on Snowflake it is a query of a one-row table, answered from the result cache until a
# build replaces it, so it is asked less often.
POLL_SECONDS = {"duckdb": 5, "snowflake": 60}
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class DatabaseMissing(Exception):
    """The DuckDB file does not exist yet (nothing built)."""


class DatabaseBusy(Exception):
    """A dbt run holds the DuckDB file's write lock."""


@dataclass(frozen=True)
class Source:
    engine: str  # "duckdb" or "snowflake"
    schema: str
    database_path: str | None = None  # DuckDB only

    def describe(self) -> str:
        if self.engine == "duckdb":
            path = Path(self.database_path)
            shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
            return f"DuckDB `{shown}`, schema `{self.schema}`"
        return f"Snowflake (Snowpark session), schema `{self.schema}`"


def configured_source(environ=os.environ) -> Source:
    engine = environ.get("F1_APP_ENGINE", "").strip().lower() or ("snowflake" if _active_session() else "duckdb")
    if engine == "duckdb":
        path = Path(environ.get("F1_DUCKDB_PATH") or "formula1.duckdb")
        path = path if path.is_absolute() else PROJECT_DIR / path
        schema = environ.get("F1_APP_SCHEMA") or DUCKDB_SCHEMA
        return Source("duckdb", _identifier(schema), str(path))
    if engine == "snowflake":
        schema = environ.get("F1_APP_SCHEMA") or _session().get_current_schema().strip('"')
        return Source("snowflake", _identifier(schema))
    raise ValueError(f"F1_APP_ENGINE must be duckdb or snowflake, not {engine!r}")


def run_query(source: Source, sql: str, lock_wait: float | None = None) -> pd.DataFrame:
    """The result of one query, column names in lower case (Snowflake returns them in upper case). On DuckDB,
    `lock_wait` seconds (default LOCK_WAIT_SECONDS) of waiting for a dbt run's lock before DatabaseBusy."""
    if source.engine == "duckdb":
        frame = _duckdb_query(source.database_path, sql, LOCK_WAIT_SECONDS if lock_wait is None else lock_wait)
    else:
        frame = _snowflake_query(sql)
    frame.columns = [str(column).lower() for column in frame.columns]
    return frame


def _duckdb_query(path: str, sql: str, lock_wait: float) -> pd.DataFrame:
    import duckdb

    if not Path(path).exists():
        raise DatabaseMissing(path)
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            with duckdb.connect(path, read_only=True) as connection:
                return connection.execute(sql).df()
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(path) from error
            time.sleep(LOCK_RETRY_SECONDS)


def _snowflake_query(sql: str) -> pd.DataFrame:
    return _session().sql(sql).to_pandas()


def _session():
    session = _active_session()
    if session is None:
        raise RuntimeError("F1_APP_ENGINE=snowflake needs an active Snowpark session (Streamlit in Snowflake)")
    return session


def _active_session():
    """The Snowpark session Streamlit in Snowflake provides, or None anywhere else."""
    try:
        from snowflake.snowpark.context import get_active_session

        return get_active_session()
    except Exception:  # not installed, or no session: not running in Snowflake
        return None


def _identifier(name: str) -> str:
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name
