"""Load the 14 raw Formula 1 CSV files into DuckDB.

The local twin of Snowflake's COPY INTO ... ON_ERROR=CONTINUE: skip bad rows, keep going, report the skips.

Rules, in the order a load applies them:

* Source: a directory holding NAME.csv or NAME.csv.gz per table (when both exist the plain NAME.csv wins: it
  is the copy a user unpacked or dropped in last), or an http(s) base URL serving NAME.csv (downloaded,
  streaming, to a temporary directory first).
* Every file is checked before the database is touched: the header line is read and columns are mapped by
  header name (case and surrounding blanks ignored), not by position. A missing required file or column, or an
  unreadable header, raises LoadError naming the file and column(s). Optional columns that are absent load as
  NULL; unknown extra columns are ignored and named in the report. sprint_results is optional as a whole: when
  absent its table is created empty and reported as "file absent".
* DuckDB's own CSV reader parses the rows (fast, streaming; no row goes through Python). Rows it cannot parse
  or cast are skipped, never silently: each lands in <schema>.load_rejects with its line number, reason and
  text, and is counted in <schema>.load_audit and in the LoadReport.
* The whole load runs in one transaction over create-or-replace tables: loading twice gives the same tables,
  and a failed load leaves the previous ones in place. load_rejects and load_audit describe the latest load.
"""

from __future__ import annotations

import csv
import gzip
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .tables import TABLES, Table

DUCKDB_TYPES = {"INTEGER": "BIGINT", "FLOAT": "DOUBLE", "VARCHAR": "VARCHAR", "DATE": "DATE"}
DOWNLOAD_TIMEOUT_SECONDS = 60
MAX_HEADER_BYTES = 1 << 20

REJECTS_TABLE = "load_rejects"
AUDIT_TABLE = "load_audit"
REJECTS_DDL = "table_name VARCHAR, source_file VARCHAR, line_number BIGINT, reason VARCHAR, raw_line VARCHAR"
AUDIT_DDL = (
    "table_name VARCHAR, source_file VARCHAR, status VARCHAR, rows_loaded BIGINT, rows_rejected BIGINT, "
    "extra_columns_ignored VARCHAR, missing_columns_nulled VARCHAR, seconds DOUBLE, loaded_at TIMESTAMP"
)
# DuckDB keeps a scan's rejects in temporary tables that accumulate over scans: one pair per table, dropped
# once copied, keeps each table's rejects apart.
_SCAN_ERRORS, _SCAN_INFO = "_f1_reject_errors", "_f1_reject_scans"


class LoadError(Exception):
    """A problem the user has to fix in the source or the arguments; the message names file/column/source."""


@dataclass
class TableLoad:
    table: str
    source_file: str | None  # path or URL; None when an optional file is absent
    rows_loaded: int = 0
    rows_rejected: int = 0
    extra_columns: tuple[str, ...] = ()  # in the file, unknown to tables.py: ignored
    missing_columns: tuple[str, ...] = ()  # optional columns the file lacks: loaded as NULL
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return "file absent" if self.source_file is None else "loaded"


@dataclass
class LoadReport:
    database: str
    schema: str
    tables: list[TableLoad] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables)

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.tables)

    def table(self, name: str) -> TableLoad:
        for load in self.tables:
            if load.table == name:
                return load
        raise KeyError(name)

    def summary(self) -> str:
        """Compact per-table summary with totals, for the CLI."""
        width = max(len(self.schema) + 1 + len(t.table) for t in self.tables) if self.tables else 10
        lines = [f"{'table':<{width}}{'loaded':>12}{'rejected':>10}  notes", "-" * (width + 40)]
        for t in self.tables:
            notes = [] if t.source_file else ["file absent"]
            if t.extra_columns:
                notes.append("ignored: " + ", ".join(t.extra_columns))
            if t.missing_columns:
                notes.append("nulled: " + ", ".join(t.missing_columns))
            name = f"{self.schema}.{t.table}"
            row = f"{name:<{width}}{t.rows_loaded:>12,}{t.rows_rejected:>10,}  {'; '.join(notes)}"
            lines.append(row.rstrip())
        lines.append("-" * (width + 40))
        total = f"{'total':<{width}}{self.rows_loaded:>12,}{self.rows_rejected:>10,}"
        lines.append(f"{total}  {self.seconds:.1f}s")
        if self.rows_rejected:
            lines.append(f"rejected rows: SELECT * FROM {self.schema}.{REJECTS_TABLE}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Plan:
    """One table, checked and ready to load."""

    table: Table
    path: Path | None  # local file (the download when the source is a URL); None when absent
    label: str | None  # what reports name: the path or the URL
    headers: tuple[str, ...] = ()  # CSV header, in file order
    extra: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# Locating files


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def _check_directory(directory: Path) -> None:
    if not directory.exists():
        raise LoadError(f"source directory does not exist: {directory}")
    if not directory.is_dir():
        raise LoadError(f"source is not a directory: {directory}")
    try:
        next(directory.iterdir(), None)
    except OSError as exc:
        raise LoadError(f"cannot read source directory {directory}: {exc}") from exc


def _local_file(directory: Path, table: Table) -> Path | None:
    for candidate in (directory / table.file_name, directory / f"{table.file_name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _download(base_url: str, table: Table, dest: Path) -> tuple[Path | None, str]:
    """Stream BASE/NAME.csv to dest; (None, url) when the server answers 404."""
    url = base_url.rstrip("/") + "/" + urllib.parse.quote(table.file_name)
    target = dest / table.file_name
    try:
        response = urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS)
        with response, target.open("wb") as out:
            shutil.copyfileobj(response, out, length=1 << 20)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None, url
        raise LoadError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise LoadError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from exc
    return target, url


# ---------------------------------------------------------------------------------------------------------
# Headers


def _read_header(path: Path, label: str) -> tuple[str, ...]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.readline(MAX_HEADER_BYTES)
        text = raw.decode("utf-8-sig").rstrip("\r\n")
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # gzip.BadGzipFile is an OSError
        raise LoadError(f"{label}: unreadable header line: {exc}") from exc
    if not text.strip():
        raise LoadError(f"{label}: empty file or blank header line (expected CSV column names)")
    headers = tuple(name.strip() for name in next(csv.reader([text])))
    # Unnamed columns (e.g. a trailing comma) still need a name for the reader.
    headers = tuple(name or f"column{i + 1}" for i, name in enumerate(headers))
    duplicates = sorted({h for h in headers if [x.lower() for x in headers].count(h.lower()) > 1})
    if duplicates:
        raise LoadError(f"{label}: duplicate column(s) in header: {', '.join(duplicates)}")
    return headers


def _map_columns(table: Table, headers: tuple[str, ...], label: str) -> tuple[tuple[str, ...], ...]:
    """Returns (extra headers, missing optional headers); raises when a required column is missing."""
    present = {h.lower() for h in headers}
    known = {c.header.lower() for c in table.columns}
    required_missing = [c.header for c in table.columns if not c.optional and c.header.lower() not in present]
    if required_missing:
        raise LoadError(
            f"{label}: required column(s) missing from header: {', '.join(required_missing)} "
            f"(header was: {', '.join(headers)[:300]})"
        )
    extra = tuple(h for h in headers if h.lower() not in known)
    missing = tuple(c.header for c in table.columns if c.header.lower() not in present)
    return extra, missing


def _plan(table: Table, path: Path | None, label: str) -> _Plan:
    if path is None:
        if table.optional_file:
            return _Plan(table, None, None)
        raise LoadError(f"required file missing: {table.file_name} (looked for {label})")
    headers = _read_header(path, label)
    extra, missing = _map_columns(table, headers, label)
    return _Plan(table, path, label, headers, extra, missing)


def _plans(source: str | Path, stack: ExitStack, say: Callable[[str], None]) -> list[_Plan]:
    if _is_url(source):
        # Downloads live until the load ends: the stack removes the directory then.
        dest = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="f1_raw_")))
        plans = []
        for table in TABLES:
            path, url = _download(str(source), table, dest)
            say(f"downloaded {url} ({path.stat().st_size:,} bytes)" if path else f"not found: {url}")
            plans.append(_plan(table, path, url))
        return plans
    directory = Path(source)
    _check_directory(directory)
    plans = []
    for table in TABLES:
        path = _local_file(directory, table)
        label = str(path) if path else f"{directory / table.file_name} and {table.file_name}.gz"
        plans.append(_plan(table, path, label))
    return plans


# ---------------------------------------------------------------------------------------------------------
# SQL


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified_schema(con: duckdb.DuckDBPyConnection, schema: str) -> str:
    """catalog.schema, so a database file named like the schema (raw.duckdb) is not ambiguous."""
    catalog = con.execute("SELECT current_database()").fetchall()[0][0]
    return f"{_ident(catalog)}.{_ident(schema)}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _create_tables(con: duckdb.DuckDBPyConnection, schema_sql: str) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema_sql}")
    for table in TABLES:
        cols = ", ".join(f"{_ident(c.name)} {DUCKDB_TYPES[c.type]}" for c in table.columns)
        con.execute(f"CREATE OR REPLACE TABLE {schema_sql}.{_ident(table.name)} ({cols})")
    con.execute(f"CREATE OR REPLACE TABLE {schema_sql}.{REJECTS_TABLE} ({REJECTS_DDL})")
    con.execute(f"CREATE OR REPLACE TABLE {schema_sql}.{AUDIT_TABLE} ({AUDIT_DDL})")


def _insert_sql(schema_sql: str, plan: _Plan) -> str:
    """INSERT ... SELECT FROM read_csv with every file column typed; extra columns are read as VARCHAR."""
    by_header = {c.header.lower(): c for c in plan.table.columns}
    known = {h: by_header.get(h.lower()) for h in plan.headers}
    types = {h: DUCKDB_TYPES[col.type] if col else "VARCHAR" for h, col in known.items()}
    columns = "{" + ", ".join(f"{_literal(h)}: {_literal(t)}" for h, t in types.items()) + "}"
    pairs = [(col.name, h) for h, col in known.items() if col]
    targets = ", ".join(_ident(name) for name, _ in pairs)
    sources = ", ".join(_ident(header) for _, header in pairs)
    # Ergast files: '\N' is null. An unquoted empty field is null too (Snowflake's EMPTY_FIELD_AS_NULL),
    # a quoted one stays ''.
    return (
        f"INSERT INTO {schema_sql}.{_ident(plan.table.name)} ({targets}) SELECT {sources} "
        f"FROM read_csv({_literal(str(plan.path))}, columns = {columns}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', nullstr = ['\\N', ''], allow_quoted_nulls = false, "
        f"store_rejects = true, rejects_table = '{_SCAN_ERRORS}', rejects_scan = '{_SCAN_INFO}')"
    )


def _copy_rejects(con: duckdb.DuckDBPyConnection, schema_sql: str, plan: _Plan) -> int:
    """Copy this scan's rejects, one row per rejected line (a line can fail in several columns)."""
    con.execute(
        f"INSERT INTO {schema_sql}.{REJECTS_TABLE} "
        "SELECT ?, ?, line, string_agg(DISTINCT error_type || ': ' || error_message, '; '), "
        f"any_value(csv_line) FROM {_SCAN_ERRORS} GROUP BY line ORDER BY line",
        [plan.table.name, plan.label],
    )
    rejected = con.execute(f"SELECT count(DISTINCT line) FROM {_SCAN_ERRORS}").fetchone()[0]
    con.execute(f"DROP TABLE IF EXISTS {_SCAN_ERRORS}")
    con.execute(f"DROP TABLE IF EXISTS {_SCAN_INFO}")
    return rejected


def _load_table(con: duckdb.DuckDBPyConnection, schema_sql: str, plan: _Plan) -> TableLoad:
    result = TableLoad(plan.table.name, plan.label, extra_columns=plan.extra, missing_columns=plan.missing)
    if plan.path is None:
        return result
    try:
        result.rows_loaded = con.execute(_insert_sql(schema_sql, plan)).fetchone()[0]
    except duckdb.Error as exc:  # e.g. a corrupt gzip stream: not a row problem, the file is unusable
        raise LoadError(f"{plan.label}: cannot read: {exc}") from exc
    result.rows_rejected = _copy_rejects(con, schema_sql, plan)
    return result


def _write_audit(con: duckdb.DuckDBPyConnection, schema_sql: str, load: TableLoad, loaded_at: datetime) -> None:
    con.execute(
        f"INSERT INTO {schema_sql}.{AUDIT_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load.table,
            load.source_file,
            load.status,
            load.rows_loaded,
            load.rows_rejected,
            ", ".join(load.extra_columns) or None,
            ", ".join(load.missing_columns) or None,
            round(load.seconds, 3),
            loaded_at,
        ],
    )


def _progress_line(load: TableLoad) -> str:
    if load.source_file is None:
        return f"{load.table:<22} file absent: created empty"
    counts = f"{load.rows_loaded:>11,} rows {load.rows_rejected:>7,} rejected"
    line = f"{load.table:<22} {counts} {load.seconds:6.2f}s"
    if load.extra_columns:
        line += "  ignored: " + ", ".join(load.extra_columns)
    if load.missing_columns:
        line += "  nulled: " + ", ".join(load.missing_columns)
    return line


# ---------------------------------------------------------------------------------------------------------
# Entry point


def load_raw(
    source: str | Path,
    database: str | Path,
    schema: str = "raw",
    progress: Callable[[str], None] | None = print,
) -> LoadReport:
    """Load the 14 raw tables from `source` (directory or http(s) base URL) into `schema` of `database`."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise LoadError(f"invalid schema name: {schema!r}")
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    report = LoadReport(str(database), schema)
    with ExitStack() as stack:
        plans = _plans(source, stack, say)  # every file checked before the database is opened
        try:
            con = stack.enter_context(duckdb.connect(str(database)))
        except duckdb.Error as exc:
            raise LoadError(f"cannot open database {database}: {exc}") from exc
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute("BEGIN TRANSACTION")
        schema_sql = _qualified_schema(con, schema)
        try:
            _create_tables(con, schema_sql)
            for plan in plans:
                table_started = time.perf_counter()
                load = _load_table(con, schema_sql, plan)
                load.seconds = time.perf_counter() - table_started
                _write_audit(con, schema_sql, load, loaded_at)
                report.tables.append(load)
                say(_progress_line(load))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    report.seconds = time.perf_counter() - started
    return report
