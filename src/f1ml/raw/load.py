"""Load the 14 raw Formula 1 CSV files into DuckDB.

The local twin of Snowflake's COPY INTO ... ON_ERROR=CONTINUE: skip bad rows, keep going, report the skips.

Rules, in the order a load applies them:

* Source: a directory holding NAME.csv or NAME.csv.gz per table (both is an error naming the two files: the
  load cannot tell which copy is meant), or an http(s) base URL serving NAME.csv (downloaded, streaming, to a
  temporary directory first).
* Encoding: files are read as UTF-8. With encoding=ENC (--encoding), a file that is not valid UTF-8 is decoded
  from ENC instead (encoding.py); without it, such a file stops the load with a message naming the file and
  the option, rather than putting its accented rows among the rejects.
* Every file is checked before the database is touched: the header line is read and columns are mapped by
  header name (case and surrounding blanks ignored), not by position. A missing required file or column, or an
  unreadable header, raises LoadError naming the file and column(s). Optional columns that are absent load as
  NULL; unknown extra columns are ignored and named in the report. sprint_results is optional as a whole: when
  absent its table is created empty and reported as "file absent".
* DuckDB's own CSV reader parses the rows (fast, streaming; no row goes through Python). Rows it cannot parse
  or cast are skipped, never silently: each lands in <schema>.load_rejects with its line number, reason and
  text, and is counted in <schema>.load_audit and in the LoadReport.
* A row that ends early is loaded when every field it lacks is an optional (or ignored) column: those load as
  NULL and the row is counted as "padded". A row that lacks a required field is rejected ("MISSING COLUMNS").
* A required table that loads 0 rows (a header and no rows, or every row rejected) gets a warning in the
  report and the audit: every model built on it would be empty.
* The whole load runs in one transaction over create-or-replace tables: loading twice gives the same tables,
  and a failed load leaves the previous ones in place. load_rejects and load_audit describe the latest load.
* What changed since the previous load: each new table is compared with the one it replaces, by key, and the
  rows added, changed and deleted, and the races they touch, go to <schema>.load_changes (one row per table)
  and <schema>.load_changed_races (one row per table and race). Cheap even for 59 million lap rows: a
  fingerprint per race of each version (row count and sum of row hashes) finds the races that differ, and
  only their rows are compared key by key.
* The database file: one a failed creation left (0 bytes, or cut inside its headers) is refused with a message
  saying to delete it (database_file.py); a full disk is named as the cause of a failed load.
"""

from __future__ import annotations

import contextlib
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

from f1ml.settings import RAW_SCHEMA

from . import encoding as text_encoding
from .database_file import UnusableDatabaseFile, check_database_file, create_database_file, is_disk_full
from .tables import TABLES, Table

DUCKDB_TYPES = {"INTEGER": "BIGINT", "FLOAT": "DOUBLE", "VARCHAR": "VARCHAR", "DATE": "DATE"}
DOWNLOAD_TIMEOUT_SECONDS = 60
MAX_HEADER_BYTES = 1 << 20

REJECTS_TABLE = "load_rejects"
AUDIT_TABLE = "load_audit"
CHANGES_TABLE = "load_changes"
CHANGED_RACES_TABLE = "load_changed_races"
REJECTS_DDL = "table_name VARCHAR, source_file VARCHAR, line_number BIGINT, reason VARCHAR, raw_line VARCHAR"
AUDIT_DDL = (
    "table_name VARCHAR, source_file VARCHAR, status VARCHAR, rows_loaded BIGINT, rows_rejected BIGINT, "
    "rows_padded BIGINT, extra_columns_ignored VARCHAR, missing_columns_nulled VARCHAR, encoding VARCHAR, "
    "warning_count BIGINT, warnings VARCHAR, seconds DOUBLE, loaded_at TIMESTAMP"
)
# rows_before is null when there was no earlier load of the table; races_touched when it has no race_id.
CHANGES_DDL = (
    "table_name VARCHAR, rows_before BIGINT, rows_after BIGINT, rows_added BIGINT, rows_changed BIGINT, "
    "rows_deleted BIGINT, races_touched BIGINT, previous_loaded_at TIMESTAMP, seconds DOUBLE"
)
CHANGED_RACES_DDL = "table_name VARCHAR, race_id BIGINT, rows_added BIGINT, rows_changed BIGINT, rows_deleted BIGINT"
# The tables a load replaces wait under this suffix until they are compared with the new ones.
PREVIOUS_SUFFIX = "__before_load"
_CHANGED_RACES, _ROW_CHANGES = "_f1_changed_races", "_f1_row_changes"
# DuckDB keeps a scan's rejects in temporary tables that accumulate over scans: one pair per scan, dropped once
# read, keeps each table's rejects apart. _ERRORS holds the table's errors while padding sorts them.
_SCAN_ERRORS, _SCAN_INFO = "_f1_reject_errors", "_f1_reject_scans"
_ERRORS = "_f1_table_errors"
ENCODING_HINT = (
    "if it was saved in another encoding (e.g. by a spreadsheet), load with --encoding ENCODING "
    "(f1-load-raw; F1_RAW_ENCODING for the load dbt runs), e.g. --encoding cp1252 or --encoding latin-1"
)


class LoadError(Exception):
    """A problem the user has to fix in the source or the arguments; the message names file/column/source."""


@dataclass
class TableChanges:
    """How a table differs from the one the load replaced."""

    table: str
    rows_before: int | None  # None: no earlier load of the table to compare with
    rows_after: int
    added: int = 0
    changed: int = 0  # same key, other values
    deleted: int = 0
    races: int | None = None  # races whose rows were added, changed or deleted; None: the table has no race_id
    seconds: float = 0.0


@dataclass
class TableLoad:
    table: str
    source_file: str | None  # path or URL; None when an optional file is absent
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_padded: int = 0  # loaded rows that ended early; their absent optional fields are null
    extra_columns: tuple[str, ...] = ()  # in the file, unknown to tables.py: ignored
    missing_columns: tuple[str, ...] = ()  # optional columns the file lacks: loaded as NULL
    encoding: str | None = None  # the file's encoding as read (utf-8 unless decoded from another one)
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    changes: TableChanges | None = None

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

    @property
    def rows_padded(self) -> int:
        return sum(t.rows_padded for t in self.tables)

    @property
    def warnings(self) -> list[str]:
        return [f"{t.table}: {warning}" for t in self.tables for warning in t.warnings]

    def table(self, name: str) -> TableLoad:
        for load in self.tables:
            if load.table == name:
                return load
        raise KeyError(name)

    def total_line(self) -> str:
        return (
            f"total: {self.rows_loaded:,} rows in {len(self.tables)} tables of {self.schema}, "
            f"{self.rows_padded:,} padded, {self.rows_rejected:,} rejected, {self.seconds:.1f} s"
        )

    def summary(self) -> str:
        """Per-table summary with totals and warnings (the dbt plugin logs it)."""
        width = max(len(self.schema) + 1 + len(t.table) for t in self.tables) if self.tables else 10
        header = f"{'table':<{width}}{'loaded':>12}{'padded':>9}{'rejected':>10}  notes"
        lines = [header, "-" * (width + 50)]
        for t in self.tables:
            notes = _notes(t, with_warnings=False)  # warnings get lines of their own, below
            name = f"{self.schema}.{t.table}"
            row = f"{name:<{width}}{t.rows_loaded:>12,}{t.rows_padded:>9,}{t.rows_rejected:>10,}  {'; '.join(notes)}"
            lines.append(row.rstrip())
        lines.append("-" * (width + 50))
        total = f"{'total':<{width}}{self.rows_loaded:>12,}{self.rows_padded:>9,}{self.rows_rejected:>10,}"
        lines.append(f"{total}  {self.seconds:.1f}s")
        if self.rows_rejected:
            lines.append(f"rejected rows: SELECT * FROM {self.schema}.{REJECTS_TABLE}")
        lines += [f"WARNING: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _notes(load: TableLoad, with_warnings: bool = True) -> list[str]:
    notes = [] if load.source_file else ["file absent"]
    if load.extra_columns:
        notes.append("ignored: " + ", ".join(load.extra_columns))
    if load.missing_columns:
        notes.append("nulled: " + ", ".join(load.missing_columns))
    if load.encoding and load.encoding != text_encoding.UTF8:
        notes.append(f"read as {load.encoding}")
    if load.warnings and with_warnings:
        notes.append("WARNING: " + "; ".join(load.warnings))
    return notes


@dataclass(frozen=True)
class _Plan:
    """One table, checked and ready to load."""

    table: Table
    path: Path | None  # local UTF-8 file (a download or decoded copy when needed); None when absent
    label: str | None  # what reports name: the path or the URL
    headers: tuple[str, ...] = ()  # CSV header, in file order
    extra: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    encoding: str | None = None  # the encoding the source file was read in


# ---------------------------------------------------------------------------------------------------------
# Locating and decoding files


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
    copies = [path for path in (directory / table.file_name, directory / f"{table.file_name}.gz") if path.is_file()]
    if len(copies) > 1:
        raise LoadError(
            f"two copies of table {table.name}: {copies[0]} and {copies[1]}; the load cannot tell which one is "
            "meant: keep one of them in the source directory (delete or move the other)"
        )
    return copies[0] if copies else None


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
        if is_disk_full(exc):
            raise
        raise LoadError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from exc
    return target, url


def _decoded(path: Path, label: str, encoding: str, workdir: Path) -> tuple[Path, str]:
    """(file DuckDB reads, encoding it was read in): the file itself when it is UTF-8, else a decoded copy."""
    if encoding == text_encoding.UTF8 or text_encoding.is_utf8(path):
        return path, text_encoding.UTF8
    try:
        return text_encoding.utf8_copy(path, encoding, workdir / f"{path.name}.utf8.csv"), encoding
    except text_encoding.EncodingProblem as exc:
        raise LoadError(f"{label}: not valid UTF-8, and {exc}") from exc
    except (OSError, EOFError) as exc:
        if is_disk_full(exc):
            raise
        raise LoadError(f"{label}: cannot read: {exc}") from exc


# ---------------------------------------------------------------------------------------------------------
# Headers


def _read_header(path: Path, label: str) -> tuple[str, ...]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.readline(MAX_HEADER_BYTES)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise LoadError(f"{label}: unreadable header line: {exc}") from exc
    try:
        text = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{label}: header line is not valid UTF-8 ({exc.reason}); {ENCODING_HINT}") from exc
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


def _plan(table: Table, path: Path | None, label: str, encoding: str, workdir: Path) -> _Plan:
    if path is None:
        if table.optional_file:
            return _Plan(table, None, None)
        raise LoadError(f"required file missing: {table.file_name} (looked for {label})")
    path, read_as = _decoded(path, label, encoding, workdir)
    headers = _read_header(path, label)
    extra, missing = _map_columns(table, headers, label)
    return _Plan(table, path, label, headers, extra, missing, read_as)


def _plans(source: str | Path, encoding: str, workdir: Path, say: Callable[[str], None]) -> list[_Plan]:
    if _is_url(source):
        plans = []
        for table in TABLES:
            path, url = _download(str(source), table, workdir)
            say(f"downloaded {url} ({path.stat().st_size:,} bytes)" if path else f"not found: {url}")
            plans.append(_plan(table, path, url, encoding, workdir))
        return plans
    directory = Path(source)
    _check_directory(directory)
    plans = []
    for table in TABLES:
        path = _local_file(directory, table)
        label = str(path) if path else f"{directory / table.file_name} and {table.file_name}.gz"
        plans.append(_plan(table, path, label, encoding, workdir))
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
    con.execute(f"CREATE OR REPLACE TABLE {schema_sql}.{CHANGES_TABLE} ({CHANGES_DDL})")
    con.execute(f"CREATE OR REPLACE TABLE {schema_sql}.{CHANGED_RACES_TABLE} ({CHANGED_RACES_DDL})")


def _insert(con: duckdb.DuckDBPyConnection, schema_sql: str, plan: _Plan, path: Path) -> int:
    """INSERT ... SELECT FROM read_csv with every file column typed (extra ones as VARCHAR); rows inserted.
    The scan's rejects wait in DuckDB's tables for _keep_scan_errors."""
    by_header = {c.header.lower(): c for c in plan.table.columns}
    known = {h: by_header.get(h.lower()) for h in plan.headers}
    types = {h: DUCKDB_TYPES[col.type] if col else "VARCHAR" for h, col in known.items()}
    columns = "{" + ", ".join(f"{_literal(h)}: {_literal(t)}" for h, t in types.items()) + "}"
    pairs = [(col.name, h) for h, col in known.items() if col]
    targets = ", ".join(_ident(name) for name, _ in pairs)
    sources = ", ".join(_ident(header) for _, header in pairs)
    # Ergast files: '\N' is null. An unquoted empty field is null too (Snowflake's EMPTY_FIELD_AS_NULL),
    # a quoted one stays ''.
    sql = (
        f"INSERT INTO {schema_sql}.{_ident(plan.table.name)} ({targets}) SELECT {sources} "
        f"FROM read_csv({_literal(str(path))}, columns = {columns}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', nullstr = ['\\N', ''], allow_quoted_nulls = false, "
        f"store_rejects = true, rejects_table = '{_SCAN_ERRORS}', rejects_scan = '{_SCAN_INFO}')"
    )
    try:
        return con.execute(sql).fetchall()[0][0]
    except duckdb.Error as exc:  # e.g. a corrupt gzip stream: not a row problem, the file is unusable
        if is_disk_full(exc):  # the write failed, not the read: _load names the disk
            raise
        raise LoadError(f"{plan.label}: cannot read: {exc}") from exc


def _keep_scan_errors(con: duckdb.DuckDBPyConnection) -> None:
    """The table's scan rejects, one row per error (a line can have several), into _ERRORS."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ERRORS} AS "
        f"SELECT line, error_type::VARCHAR AS error_type, error_message, csv_line, column_name FROM {_SCAN_ERRORS}"
    )
    _drop_scan_tables(con)


def _drop_scan_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {_SCAN_ERRORS}")
    con.execute(f"DROP TABLE IF EXISTS {_SCAN_INFO}")


def _stop_on_invalid_encoding(con: duckdb.DuckDBPyConnection, plan: _Plan) -> None:
    """A file that is not UTF-8 would lose each line with an accent to the rejects: stop and say what to do."""
    lines, first = con.execute(
        f"SELECT count(DISTINCT line), min(line) FROM {_ERRORS} WHERE error_type = 'INVALID ENCODING'"
    ).fetchall()[0]
    if lines:
        raise LoadError(
            f"{plan.label}: not valid UTF-8 ({lines:,} line(s), the first is line {first}); {ENCODING_HINT}"
        )


def _pad_short_rows(con: duckdb.DuckDBPyConnection, schema_sql: str, plan: _Plan, workdir: Path) -> int:
    """Load the rows rejected only for ending before optional (or ignored) columns, with those columns null.

    DuckDB's null_padding would pad every short row, required fields included, and with it a row with too many
    fields or a short row with a bad value fails the whole scan. So the loader picks the rows whose only errors
    are missing optional columns (DuckDB reports every error of a row, bad values included), writes them again
    with empty trailing fields (null) and reads them with the same strict scan. Returns how many it loaded."""
    required = {c.header.lower() for c in plan.table.columns if not c.optional}
    may_be_absent = [h for h in plan.headers if h.lower() not in required]
    short = con.execute(
        f"SELECT line, any_value(csv_line), count(DISTINCT column_name) FROM {_ERRORS} GROUP BY line "
        "HAVING bool_and(error_type = 'MISSING COLUMNS' AND list_contains(?, column_name)) ORDER BY line",
        [may_be_absent],
    ).fetchall()
    if not short:
        return 0
    padded_file = workdir / f"{plan.table.name}.padded.csv"
    with padded_file.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerow(plan.headers)
        for _line, text, absent in short:
            out.write(text.strip("\r\n") + "," * absent + "\n")  # DuckDB keeps CRLF's \n with the next line
    padded = _insert(con, schema_sql, plan, padded_file)
    _drop_scan_tables(con)
    if padded != len(short):  # every value of these rows was read once already: cannot happen, never hide it
        raise LoadError(f"{plan.label}: {len(short) - padded} of {len(short)} padded row(s) failed to load")
    con.execute(f"DELETE FROM {_ERRORS} WHERE list_contains(?, line)", [[line for line, _, _ in short]])
    return padded


def _copy_rejects(con: duckdb.DuckDBPyConnection, schema_sql: str, plan: _Plan) -> int:
    """Copy this table's rejects, one row per rejected line (a line can fail in several columns)."""
    con.execute(
        f"INSERT INTO {schema_sql}.{REJECTS_TABLE} "
        "SELECT ?, ?, line, string_agg(DISTINCT error_type || ': ' || error_message, '; '), "
        f"any_value(csv_line) FROM {_ERRORS} GROUP BY line ORDER BY line",
        [plan.table.name, plan.label],
    )
    return con.execute(f"SELECT count(DISTINCT line) FROM {_ERRORS}").fetchall()[0][0]


def _warnings(plan: _Plan, load: TableLoad) -> tuple[str, ...]:
    if load.rows_loaded or plan.table.optional_file:
        return ()
    why = f"all {load.rows_rejected:,} rows rejected" if load.rows_rejected else "the file has a header and no rows"
    return (f"required table loaded 0 rows ({why}); every model built on it will be empty",)


def _load_table(con: duckdb.DuckDBPyConnection, schema_sql: str, plan: _Plan, workdir: Path) -> TableLoad:
    result = TableLoad(
        plan.table.name, plan.label, extra_columns=plan.extra, missing_columns=plan.missing, encoding=plan.encoding
    )
    if plan.path is None:
        return result
    result.rows_loaded = _insert(con, schema_sql, plan, plan.path)
    _keep_scan_errors(con)
    _stop_on_invalid_encoding(con, plan)
    result.rows_padded = _pad_short_rows(con, schema_sql, plan, workdir)
    result.rows_loaded += result.rows_padded
    result.rows_rejected = _copy_rejects(con, schema_sql, plan)
    con.execute(f"DROP TABLE {_ERRORS}")
    result.warnings = _warnings(plan, result)
    return result


def _write_audit(con: duckdb.DuckDBPyConnection, schema_sql: str, load: TableLoad, loaded_at: datetime) -> None:
    con.execute(
        f"INSERT INTO {schema_sql}.{AUDIT_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load.table,
            load.source_file,
            load.status,
            load.rows_loaded,
            load.rows_rejected,
            load.rows_padded,
            ", ".join(load.extra_columns) or None,
            ", ".join(load.missing_columns) or None,
            load.encoding,
            len(load.warnings),
            "; ".join(load.warnings) or None,
            round(load.seconds, 3),
            loaded_at,
        ],
    )


def _progress_line(load: TableLoad) -> str:
    if load.source_file is None:
        return f"{load.table:<22} file absent: created empty"
    counts = f"{load.rows_loaded:>11,} rows {load.rows_padded:>7,} padded {load.rows_rejected:>7,} rejected"
    line = f"{load.table:<22} {counts} {load.seconds:6.2f}s"
    notes = _notes(load)
    return line + ("  " + "; ".join(notes) if notes else "")


# ---------------------------------------------------------------------------------------------------------
# Changes since the previous load


def tables_in_schema(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    """The tables of `schema` in the connection's current database."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ?",
        [schema],
    ).fetchall()
    return {name for (name,) in rows}


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table_name: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?",
        [schema, table_name],
    ).fetchall()
    return {name for (name,) in rows}


def _set_previous_aside(
    con: duckdb.DuckDBPyConnection, schema_sql: str, schema: str
) -> tuple[set[str], datetime | None]:
    """Rename the raw tables this load replaces to NAME__before_load, to compare them with the new ones later
    in the transaction; (their names, when the previous load ran)."""
    present = tables_in_schema(con, schema)
    previous = {table.name for table in TABLES if table.name in present}
    loaded_at = None
    if AUDIT_TABLE in present:
        loaded_at = con.execute(f"SELECT max(loaded_at) FROM {schema_sql}.{AUDIT_TABLE}").fetchall()[0][0]
    for name in sorted(previous):
        con.execute(f"ALTER TABLE {schema_sql}.{_ident(name)} RENAME TO {_ident(name + PREVIOUS_SUFFIX)}")
    return previous, loaded_at


def _drop_previous(con: duckdb.DuckDBPyConnection, schema_sql: str, previous: set[str]) -> None:
    for name in sorted(previous):
        con.execute(f"DROP TABLE {schema_sql}.{_ident(name + PREVIOUS_SUFFIX)}")
    con.execute(f"DROP TABLE IF EXISTS {_CHANGED_RACES}")
    con.execute(f"DROP TABLE IF EXISTS {_ROW_CHANGES}")


def _fingerprints(relation: str, group_by: list[str], row_hash: str, race: str, scope: str = "") -> str:
    """One row per group: its row count and the sum of its row hashes (equal sums: equal rows, but for a
    2^-64 chance), and its race."""
    keys = ", ".join(f"t.{_ident(name)}" for name in group_by)
    return (
        f"SELECT {keys}, count(*) AS n, sum({row_hash}) AS h, {race} AS race_id "
        f"FROM {relation} AS t {scope} GROUP BY {keys}"
    )


def _differing(group_by: list[str]) -> str:
    """FROM/WHERE of the groups of `before` and `after` whose fingerprints differ (or exist on one side only)."""
    same_key = " AND ".join(f"before.{_ident(k)} IS NOT DISTINCT FROM after.{_ident(k)}" for k in group_by)
    return (
        f"FROM before FULL JOIN after ON {same_key} "
        "WHERE before.n IS DISTINCT FROM after.n OR before.h IS DISTINCT FROM after.h"
    )


def _find_row_changes(con: duckdb.DuckDBPyConnection, old: str, new: str, table: Table, columns: list[str]) -> None:
    """Fill _ROW_CHANGES: one row per key added, changed or deleted, with its race before and after. For a
    table with race_id, the races whose fingerprints differ are found first and only their rows are compared."""
    row_hash = "hash(" + ", ".join(f"t.{_ident(name)}" for name in columns) + ")"
    has_race = "race_id" in columns
    scope = ""
    if has_race:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_CHANGED_RACES} AS "
            f"WITH before AS ({_fingerprints(old, ['race_id'], row_hash, 't.race_id')}), "
            f"after AS ({_fingerprints(new, ['race_id'], row_hash, 't.race_id')}) "
            f"SELECT coalesce(before.race_id, after.race_id) AS race_id {_differing(['race_id'])}"
        )
        scope = f"SEMI JOIN {_CHANGED_RACES} AS c ON t.race_id IS NOT DISTINCT FROM c.race_id"
    race = "any_value(t.race_id)" if has_race else "NULL::BIGINT"
    key = list(table.key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ROW_CHANGES} AS "
        f"WITH before AS ({_fingerprints(old, key, row_hash, race, scope)}), "
        f"after AS ({_fingerprints(new, key, row_hash, race, scope)}) "
        "SELECT CASE WHEN before.n IS NULL THEN 'added' WHEN after.n IS NULL THEN 'deleted' ELSE 'changed' END "
        f"AS change, before.race_id AS race_before, after.race_id AS race_after {_differing(key)}"
    )


def _record_changed_races(con: duckdb.DuckDBPyConnection, schema_sql: str, table_name: str) -> int:
    """One row per race touched into load_changed_races (a row moved to another race changes both); how many."""
    con.execute(
        f"INSERT INTO {schema_sql}.{CHANGED_RACES_TABLE} "
        "SELECT ?, race_id, count(*) FILTER (WHERE change = 'added'), count(*) FILTER (WHERE change = 'changed'), "
        "count(*) FILTER (WHERE change = 'deleted') FROM ("
        f"SELECT race_after AS race_id, change FROM {_ROW_CHANGES} WHERE change <> 'deleted' "
        f"UNION ALL SELECT race_before, change FROM {_ROW_CHANGES} WHERE change = 'deleted' "
        f"UNION ALL SELECT race_before, change FROM {_ROW_CHANGES} "
        "WHERE change = 'changed' AND race_before IS DISTINCT FROM race_after"
        ") GROUP BY race_id",
        [table_name],
    )
    sql = f"SELECT count(*) FROM {schema_sql}.{CHANGED_RACES_TABLE} WHERE table_name = ?"
    return con.execute(sql, [table_name]).fetchall()[0][0]


def _compare_with_previous(
    con: duckdb.DuckDBPyConnection, schema_sql: str, schema: str, table: Table, previous: set[str]
) -> TableChanges:
    started = time.perf_counter()
    new = f"{schema_sql}.{_ident(table.name)}"
    rows_after = con.execute(f"SELECT count(*) FROM {new}").fetchall()[0][0]
    if table.name not in previous:
        return TableChanges(table.name, None, rows_after)
    old = f"{schema_sql}.{_ident(table.name + PREVIOUS_SUFFIX)}"
    rows_before = con.execute(f"SELECT count(*) FROM {old}").fetchall()[0][0]
    old_columns = _columns(con, schema, table.name + PREVIOUS_SUFFIX)
    columns = [c.name for c in table.columns if c.name in old_columns]  # an older layout: the columns both have
    _find_row_changes(con, old, new, table, columns)
    added, changed, deleted = con.execute(
        "SELECT count(*) FILTER (WHERE change = 'added'), count(*) FILTER (WHERE change = 'changed'), "
        f"count(*) FILTER (WHERE change = 'deleted') FROM {_ROW_CHANGES}"
    ).fetchall()[0]
    races = _record_changed_races(con, schema_sql, table.name) if "race_id" in columns else None
    seconds = time.perf_counter() - started
    return TableChanges(table.name, rows_before, rows_after, added, changed, deleted, races, seconds)


def _write_changes(
    con: duckdb.DuckDBPyConnection, schema_sql: str, changes: TableChanges, previous_loaded_at: datetime | None
) -> None:
    compared = changes.rows_before is not None  # else nothing to compare with: no counts
    counts = [changes.added, changes.changed, changes.deleted, changes.races] if compared else [None] * 4
    con.execute(
        f"INSERT INTO {schema_sql}.{CHANGES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            changes.table,
            changes.rows_before,
            changes.rows_after,
            *counts,
            previous_loaded_at if compared else None,
            round(changes.seconds, 3),
        ],
    )


def describe_changes(con: duckdb.DuckDBPyConnection, schema: str = RAW_SCHEMA) -> list[str]:
    """What the latest load changed, in words, e.g. "results: 12 rows changed, 1 deleted, in 3 races (2014,
    2019) since the last load"; [] when the load recorded no changes (a database loaded by an older loader)."""
    if CHANGES_TABLE not in tables_in_schema(con, schema):
        return []
    schema_sql = _qualified_schema(con, schema)
    rows = con.execute(
        f"SELECT table_name, rows_before, rows_added, rows_changed, rows_deleted, races_touched, previous_loaded_at "
        f"FROM {schema_sql}.{CHANGES_TABLE} ORDER BY table_name"
    ).fetchall()
    if not rows or all(row[1] is None for row in rows):
        return ["first load into this database: no earlier load to compare with"]
    since = max(row[6] for row in rows if row[6] is not None)
    since_text = f"since the last load ({since:%Y-%m-%d %H:%M} UTC)"
    lines = []
    for table, before, added, changed, deleted, races, _ in rows:
        if before is None:
            lines.append(f"{table}: no earlier load to compare with")
            continue
        total = added + changed + deleted
        if not total:
            continue
        kinds = ((changed, "changed"), (added, "added"), (deleted, "deleted"))
        counts = ", ".join(f"{n:,} {kind}" for n, kind in kinds if n)
        where = f" in {plural(races, 'race')}{_seasons(con, schema_sql, table)}" if races else ""
        lines.append(f"{table}: {plural(total, 'row')} ({counts}){where} {since_text}")
    return lines or [f"no row changed {since_text}"]


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _seasons(con: duckdb.DuckDBPyConnection, schema_sql: str, table_name: str) -> str:
    """The seasons of the races a table's changes touched, for describe_changes: " (1990, 2014)"."""
    years = [
        year
        for (year,) in con.execute(
            f"SELECT DISTINCT races.year FROM {schema_sql}.{CHANGED_RACES_TABLE} AS changed "
            f"JOIN {schema_sql}.races AS races ON races.race_id = changed.race_id "
            "WHERE changed.table_name = ? AND races.year IS NOT NULL ORDER BY 1",
            [table_name],
        ).fetchall()
    ]
    if not years:
        return ""
    if len(years) > 6:
        return f" of {len(years)} seasons, {years[0]} to {years[-1]}"
    return " (" + ", ".join(str(year) for year in years) + ")"


# ---------------------------------------------------------------------------------------------------------
# Entry points


def _check_arguments(schema: str, encoding: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise LoadError(f"invalid schema name: {schema!r}")
    try:
        return text_encoding.canonical(encoding)
    except ValueError as exc:
        raise LoadError(str(exc)) from exc


def _load_plans(
    con: duckdb.DuckDBPyConnection, plans: list[_Plan], report: LoadReport, workdir: Path, say: Callable[[str], None]
) -> None:
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    schema_sql = _qualified_schema(con, report.schema)
    try:
        previous, previous_loaded_at = _set_previous_aside(con, schema_sql, report.schema)
        _create_tables(con, schema_sql)
        for plan in plans:
            table_started = time.perf_counter()
            load = _load_table(con, schema_sql, plan, workdir)
            load.seconds = time.perf_counter() - table_started
            load.changes = _compare_with_previous(con, schema_sql, report.schema, plan.table, previous)
            _write_audit(con, schema_sql, load, loaded_at)
            _write_changes(con, schema_sql, load.changes, previous_loaded_at)
            report.tables.append(load)
            say(_progress_line(load))
        _drop_previous(con, schema_sql, previous)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a full disk can fail the rollback too; closing discards it all
            con.execute("ROLLBACK")
        raise


def _load(
    source: str | Path,
    connect: Callable[[ExitStack], duckdb.DuckDBPyConnection],
    database: str,
    schema: str,
    progress: Callable[[str], None] | None,
    encoding: str,
) -> LoadReport:
    encoding = _check_arguments(schema, encoding)
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    report = LoadReport(database, schema)
    try:
        with ExitStack() as stack:
            # Downloads, decoded copies and padded rows live until the load ends.
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="f1_raw_")))
            plans = _plans(source, encoding, workdir, say)  # every file checked before the database is touched
            _load_plans(connect(stack), plans, report, workdir, say)
    except (duckdb.Error, OSError) as exc:
        if is_disk_full(exc):
            raise LoadError(
                f"the disk is full: the load into {database} stopped ({exc}). The raw tables are as they were "
                "before it. Free some space on that disk (or load into another file with --database or "
                "F1_DUCKDB_PATH) and load again."
            ) from exc
        raise
    report.seconds = time.perf_counter() - started
    return report


def load_raw(
    source: str | Path,
    database: str | Path,
    schema: str = RAW_SCHEMA,
    progress: Callable[[str], None] | None = print,
    encoding: str = text_encoding.UTF8,
) -> LoadReport:
    """Load the 14 raw tables from `source` (directory or http(s) base URL) into `schema` of `database`.

    encoding: the encoding of the files that are not valid UTF-8 (default utf-8: such a file is an error)."""

    def connect(stack: ExitStack) -> duckdb.DuckDBPyConnection:
        try:
            check_database_file(database)
            create_database_file(database)  # a failed creation leaves no file behind
        except UnusableDatabaseFile as exc:
            raise LoadError(str(exc)) from exc
        try:
            return stack.enter_context(duckdb.connect(str(database)))
        except duckdb.Error as exc:
            raise LoadError(f"cannot open database {database}: {exc}") from exc

    return _load(source, connect, str(database), schema, progress, encoding)


def load_into(
    con: duckdb.DuckDBPyConnection,
    source: str | Path,
    schema: str = RAW_SCHEMA,
    progress: Callable[[str], None] | None = print,
    encoding: str = text_encoding.UTF8,
) -> LoadReport:
    """load_raw on a connection the caller holds open (dbt's, for the load before a build)."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    return _load(source, lambda _stack: con, database, schema, progress, encoding)
