"""Scaled copies of the Formula 1 dataset, for benchmarks: k times the rows, same schema, same file format.

    generate_scaled(source_dir, out_dir, k, seed)  ->  GenerateReport

Design
------
Every race weekend is run k times, as k "replicas" of the original season, inside the original seasons:

* races: replica r (0..k-1) of a race is a new race with race_id + r * RACE_STEP, the same year, circuit,
  name and dates (every session of the weekend included), and round (round - 1) * k + r + 1: the k replicas
  of a weekend get consecutive rounds, so rounds stay unique per season and in date order. Years stay
  1950-2024 whatever k is (a calendar replicated as new seasons would pass 2100 at k = 3).
* drivers: every driver is replicated too: driver_id + r * DRIVER_STEP, driver_ref suffixed `_r<r>`, the
  same name, number, code, nationality and date of birth (so ages on race day are the real ones). Replica r
  of a race is entered by the replica-r drivers only: each replica is an independent copy of the sport, in
  which every driver has the same career, history and features as the original.
* results, sprint_results, qualifying, lap_times, pit_stops, driver_standings, constructor_standings,
  constructor_results: every row of a race is copied to each replica of that race, with its own ids moved
  by r * STEP of the table (result_id, qualify_id, standings ids...) and its race and driver ids mapped as
  above. So every table scales exactly k times, keys stay unique, and every foreign key resolves.
  Constructors, circuits, status and seasons are shared by all replicas and written unchanged (a team
  enters each replica of a race; its constructor_results/standings rows are per race, so stay unique).
* Outcomes are kept: positions, grid, points, status, laps, standings and wins of a replica are those of
  the original race, so positions stay a permutation of 1..N per race and every range test still holds.
* Times are perturbed, replica 0 excepted (the original rows, ids and values; with k = 1 the output is the
  source itself, byte for byte, and with k > 1 only the rounds of races.csv differ): each replica of a race
  gets a pace factor (1 + 1% noise, bounded to +/-3.5%; weather, track evolution) applied to every time of
  that race: lap times, race times and gaps, fastest laps (speed divided by it), qualifying q1-q3, sprint
  times. One factor per race keeps every ordering (positions, fastest-lap ranks, qualifying order). Each lap
  time gets a further +/-0.4% noise; pit-stop durations get +/-6% noise of their own. Text forms (m:ss.fff,
  h:mm:ss.fff, ss.fff, +gap) are rewritten from the new milliseconds in the shape of the original.
* Noise is a function of (seed, replica, keys of the row): DuckDB's hash() of them, four uniforms summed
  (an approximately normal variable, bounded to +/-3.46 sd). No state, no order dependence: the same seed
  gives byte-identical files (for a given DuckDB version), another seed gives other times.

Caveats: within a season the k replicas of a weekend share the race date, and shared constructors appear
in all of them; the dbt tests that bound rounds per season (race_round <= 30, number_of_races <= 30) cannot
hold once k * (rounds of a season) > 30, i.e. from k = 2 on (2024 has 24 rounds). The round before a
replica's race is another replica's, entered by other drivers, so from k = 2 on the driver's standing before
a race (ml_features_standings) is always null; training keeps such a feature as a constant.

Format
------
Plain (uncompressed) NAME.csv files, which load faster than gzip: the original header line, quoting per
column as in the source (detected from its first lines: strings double-quoted, numbers bare), `\\N` for
null, LF line endings. The work is DuckDB SQL: each source table is read once into memory (all columns as
text), then each replica is written by one streaming COPY (...) TO a part file, appended to NAME.csv and
deleted. DuckDB keeps the insertion order of a scan, so the output order is deterministic; memory stays
at the size of the source tables whatever k is.
"""

from __future__ import annotations

import gzip
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from f1ml.raw.tables import TABLES, TABLES_BY_NAME, Table

# Tables whose rows are multiplied by k (the benchmark's "scaled" tables) and the ones replicated with them.
SCALED_TABLES = (
    "results",
    "lap_times",
    "pit_stops",
    "qualifying",
    "driver_standings",
    "constructor_standings",
    "constructor_results",
    "sprint_results",
)
REPLICATED_TABLES = ("races", "drivers", *SCALED_TABLES)
SHARED_TABLES = ("circuits", "constructors", "seasons", "status")  # copied unchanged

# Own id column of each table that has one besides races and drivers (moved by r * step), by CSV header.
OWN_ID = {
    "results": "resultId",
    "sprint_results": "resultId",
    "qualifying": "qualifyId",
    "driver_standings": "driverStandingsId",
    "constructor_standings": "constructorStandingsId",
    "constructor_results": "constructorResultsId",
}
RACE_PACE_SD = 0.01  # per replica of a race: every time of the race
LAP_NOISE_SD = 0.004  # per lap
PIT_NOISE_SD = 0.06  # per pit stop
QUOTE_SAMPLE_LINES = 5000
NULL = "\\N"

# Noise and duration helpers, as DuckDB macros. f1_noise(h): from h = hash(seed, replica, stream, keys...),
# four uniforms summed, centred and scaled to sd 1 (bounded to +/-2*sqrt(3)). hash() of several values
# combines them weakly (hash(x, 1) and hash(x, 2) are correlated), so the i-th uniform re-hashes h xor i.
# Durations: '[+][h:]m:ss.fff' or 'ss.fff', any number of decimals.
_MACROS = (
    "CREATE OR REPLACE MACRO f1_u(h, i) AS hash(xor(h, i)) / 18446744073709551616.0",
    "CREATE OR REPLACE MACRO f1_noise(h) AS (f1_u(h, 1) + f1_u(h, 2) + f1_u(h, 3) + f1_u(h, 4) - 2) * sqrt(3)",
    "CREATE OR REPLACE MACRO f1_is_duration(t) AS regexp_full_match(t, '[+]?[0-9]+(:[0-9]+){0,2}([.][0-9]+)?')",
    "CREATE OR REPLACE MACRO f1_colons(t) AS length(t) - length(replace(t, ':', ''))",
    "CREATE OR REPLACE MACRO f1_part(t, i) AS TRY_CAST(split_part(ltrim(t, '+'), ':', i) AS DOUBLE)",
    "CREATE OR REPLACE MACRO f1_duration_ms(t) AS CAST(round(1000 * CASE f1_colons(t) "
    "WHEN 0 THEN f1_part(t, 1) WHEN 1 THEN 60 * f1_part(t, 1) + f1_part(t, 2) "
    "ELSE 3600 * f1_part(t, 1) + 60 * f1_part(t, 2) + f1_part(t, 3) END) AS BIGINT)",
    # Shape of the original kept (colons), widened when the value needs it (a 59.9 s stop made 61 s).
    "CREATE OR REPLACE MACRO f1_format_ms(v, colons) AS CASE "
    "WHEN colons >= 2 OR (colons = 1 AND v >= 3600000) "
    "THEN printf('%d:%02d:%02d.%03d', v // 3600000, (v // 60000) % 60, (v // 1000) % 60, v % 1000) "
    "WHEN colons = 1 OR v >= 60000 THEN printf('%d:%02d.%03d', v // 60000, (v // 1000) % 60, v % 1000) "
    "ELSE printf('%d.%03d', v // 1000, v % 1000) END",
)


class GenerateError(Exception):
    """A problem with the source or the arguments; the message names the file or argument."""


@dataclass
class GenerateReport:
    out_dir: str
    k: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table (file absent: not listed)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"{'table':<24}{'rows':>14}", "-" * 38]
        lines += [f"{name:<24}{count:>14,}" for name, count in self.rows.items()]
        lines.append("-" * 38)
        total = f"{'total':<24}{sum(self.rows.values()):>14,}"
        lines.append(f"{total}  {self.seconds:.1f}s  (k={self.k}, seed={self.seed})")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Source files


def _source_file(directory: Path, table: Table) -> Path | None:
    """NAME.csv, else NAME.csv.gz (the loader's rule: the plain file wins)."""
    for candidate in (directory / table.file_name, directory / f"{table.file_name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _open_text(path: Path):
    opener = gzip.open if path.name.endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8-sig", newline="")


def _split_quoted(line: str) -> list[tuple[str, bool]]:
    """Fields of one CSV line with, for each, whether it was double-quoted."""
    fields, i, n = [], 0, len(line)
    while True:
        if i < n and line[i] == '"':
            j, buf = i + 1, []
            while j < n:
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(line[j])
                j += 1
            fields.append(("".join(buf), True))
            i = j + 1  # the closing quote; a delimiter (or the end) follows
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            fields.append((line[i:j], False))
            i = j
        if i >= n:
            return fields
        i += 1  # skip the delimiter


def _header_and_quoting(path: Path, table: Table) -> tuple[str, list[str], set[str]]:
    """The header line, its column names and the columns the file double-quotes.

    A column is quoted when its non-null values are quoted in the first lines; a column with no value there
    falls back to its type in tables.py (text and dates quoted, numbers bare), as in the Ergast files.
    """
    with _open_text(path) as handle:
        header_line = handle.readline().rstrip("\r\n")
        if not header_line.strip():
            raise GenerateError(f"{path}: empty file or blank header line")
        headers = [name.strip() for name, _ in _split_quoted(header_line)]
        present = {name.lower() for name in headers}
        missing = [c.header for c in table.columns if not c.optional and c.header.lower() not in present]
        if missing:
            raise GenerateError(f"{path}: required column(s) missing from header: {', '.join(missing)}")
        quoted, seen = set(), set()
        for _, line in zip(range(QUOTE_SAMPLE_LINES), handle, strict=False):
            fields = _split_quoted(line.rstrip("\r\n"))
            if len(fields) != len(headers):
                continue
            for name, (value, was_quoted) in zip(headers, fields, strict=True):
                if was_quoted:
                    quoted.add(name)
                    seen.add(name)
                elif value not in (NULL, ""):
                    seen.add(name)
    by_header = {c.header.lower(): c for c in table.columns}
    for name in headers:
        column = by_header.get(name.lower())
        if name not in seen and (column is None or column.type in ("VARCHAR", "DATE")):
            quoted.add(name)
    return header_line, headers, quoted


# ---------------------------------------------------------------------------------------------------------
# SQL


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_source(con: duckdb.DuckDBPyConnection, name: str, path: Path, headers: list[str]) -> int:
    columns = "{" + ", ".join(f"{_literal(h)}: 'VARCHAR'" for h in headers) + "}"
    con.execute(
        f"CREATE OR REPLACE TABLE {_ident('src_' + name)} AS SELECT * FROM read_csv({_literal(str(path))}, "
        f"columns = {columns}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"nullstr = {_literal(NULL)}, allow_quoted_nulls = false)"
    )
    return con.execute(f"SELECT count(*) FROM {_ident('src_' + name)}").fetchall()[0][0]


def _max_id(con: duckdb.DuckDBPyConnection, name: str, headers: list[str], header: str) -> int:
    column = next((h for h in headers if h.lower() == header.lower()), None)
    if column is None:
        return 0
    sql = f"SELECT max(TRY_CAST({_ident(column)} AS BIGINT)) FROM {_ident('src_' + name)}"
    return con.execute(sql).fetchall()[0][0] or 0


def _step(max_id: int) -> int:
    """Id offset between replicas: the next power of ten above every id, so replica r of id 17 is r0017."""
    return 10 ** len(str(max(int(max_id), 1)))


def _transforms(name: str, r: int, k: int, seed: int, steps: dict[str, int]) -> tuple[list[list[str]], dict[str, str]]:
    """How replica r of a table is derived from the source rows.

    Returns (stages, exprs): stages are lists of `expression AS _g_alias` computed in nested SELECTs, so
    a noise value is computed once per row and a later stage or an expression can use it by name; exprs
    maps a lower-cased header to the SQL (text or NULL) of its new value. Headers not in exprs are copied.
    """
    exprs = {}
    if name == "races":
        exprs["round"] = f"CAST((CAST({_ident('round')} AS BIGINT) - 1) * {k} + {r + 1} AS VARCHAR)"
    if r == 0:  # replica 0 is the original data, only renumbered in rounds
        return [], exprs

    def shifted(header: str, step: int) -> str:
        return f"CAST(CAST({_ident(header)} AS BIGINT) + {r * step} AS VARCHAR)"

    if name != "drivers":
        exprs["raceid"] = shifted("raceId", steps["race"])
    if name not in ("races", "constructor_results", "constructor_standings"):
        exprs["driverid"] = shifted("driverId", steps["driver"])
    if name in OWN_ID:
        exprs[OWN_ID[name].lower()] = shifted(OWN_ID[name], steps[name])
    if name == "drivers":
        exprs["driverref"] = f"{_ident('driverRef')} || '_r{r}'"
    timed = ("results", "sprint_results", "qualifying", "lap_times", "pit_stops")
    if name not in timed:
        return [], exprs

    keys = [f"CAST({_ident('raceId')} AS BIGINT) AS _g_race"]
    hashes = [f"hash({seed}, {r}, 1, _g_race) AS _g_pace_hash"]
    noises = [f"1 + {RACE_PACE_SD} * f1_noise(_g_pace_hash) AS _g_pace"]
    scaled = []
    if name in ("results", "sprint_results", "qualifying"):
        texts = ("q1", "q2", "q3") if name == "qualifying" else ("time", "fastestLapTime")
        for text in texts:
            alias, expr = _scaled_duration(text, "_g_pace")
            scaled.append(alias)
            exprs[text.lower()] = expr
        if name != "qualifying":
            exprs["milliseconds"] = "CAST(CAST(round(TRY_CAST(milliseconds AS BIGINT) * _g_pace) AS BIGINT) AS VARCHAR)"
        if name == "results":
            exprs["fastestlapspeed"] = f"printf('%.3f', TRY_CAST({_ident('fastestLapSpeed')} AS DOUBLE) / _g_pace)"
    else:  # lap_times, pit_stops: a noise of their own per lap or stop, on top of the race's pace
        key, stream, sd, factors, text = (
            ("lap", 2, LAP_NOISE_SD, "_g_pace * _g_noise", "time")
            if name == "lap_times"
            else ("stop", 3, PIT_NOISE_SD, "_g_noise", "duration")
        )
        keys += [f"CAST({_ident('driverId')} AS BIGINT) AS _g_driver", f"TRY_CAST({_ident(key)} AS BIGINT) AS _g_key"]
        hashes.append(f"hash({seed}, {r}, {stream}, _g_race, _g_driver, _g_key) AS _g_noise_hash")
        noises.append(f"1 + {sd} * f1_noise(_g_noise_hash) AS _g_noise")
        q = _ident(text)
        base = f"coalesce(TRY_CAST(milliseconds AS BIGINT), CASE WHEN f1_is_duration({q}) THEN f1_duration_ms({q}) END)"
        scaled.append(f"CAST(round({base} * {factors}) AS BIGINT) AS _g_ms")
        exprs["milliseconds"] = "CASE WHEN milliseconds IS NOT NULL THEN CAST(_g_ms AS VARCHAR) END"
        exprs[text] = f"CASE WHEN {q} IS NULL OR _g_ms IS NULL THEN {q} ELSE f1_format_ms(_g_ms, f1_colons({q})) END"
    return [keys, hashes, noises, scaled], exprs


def _scaled_duration(header: str, factor: str) -> tuple[str, str]:
    """(stage expression of the scaled milliseconds, final text): a duration text times the factor."""
    text, alias = _ident(header), f"_g_{header.lower()}_ms"
    scaled = f"CAST(round(f1_duration_ms({text}) * {factor}) AS BIGINT)"
    stage = f"CASE WHEN f1_is_duration({text}) THEN {scaled} END AS {alias}"
    final = (
        f"CASE WHEN {alias} IS NULL THEN {text} ELSE (CASE WHEN starts_with({text}, '+') THEN '+' ELSE '' END) "
        f"|| f1_format_ms({alias}, f1_colons({text})) END"
    )
    return stage, final


def _line_sql(name: str, headers: list[str], quoted: set[str], stages: list[list[str]], exprs: dict[str, str]) -> str:
    """SELECT of one text column: the CSV line of each source row, in source order."""
    relation = _ident("src_" + name)
    for stage in stages:
        if stage:
            relation = f"(SELECT *, {', '.join(stage)} FROM {relation})"
    pieces = []
    separator = " || ',' || "
    for header in headers:
        value = exprs.get(header.lower(), _ident(header))
        if header in quoted:
            quoted_value = f"'\"' || replace({value}, '\"', '\"\"') || '\"'"
            pieces.append(f"CASE WHEN ({value}) IS NULL THEN {_literal(NULL)} ELSE {quoted_value} END")
        else:
            pieces.append(f"coalesce({value}, {_literal(NULL)})")
    return f"SELECT {separator.join(pieces)} AS line FROM {relation}"


def _copy_rows(con: duckdb.DuckDBPyConnection, sql: str, part: Path) -> int:
    # One text column written verbatim: no quoting, no escaping, a delimiter that never occurs.
    options = f"FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '{chr(1)}'"
    copy = f"COPY ({sql}) TO {_literal(str(part))} ({options})"
    return con.execute(copy).fetchall()[0][0]


# ---------------------------------------------------------------------------------------------------------
# Entry point


def generate_scaled(
    source_dir: str | Path,
    out_dir: str | Path,
    k: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Write the 14 tables of `source_dir`, scaled k times (see the module docstring), as out_dir/NAME.csv."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise GenerateError(f"k must be a positive integer, got {k!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GenerateError(f"seed must be an integer, got {seed!r}")
    seed = seed % (1 << 63)  # a BIGINT literal for hash()
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    source, out = Path(source_dir), Path(out_dir)
    if not source.is_dir():
        raise GenerateError(f"source directory does not exist: {source}")
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() == source.resolve():
        raise GenerateError("out_dir must differ from source_dir")

    files = {table.name: _source_file(source, table) for table in TABLES}
    for table in TABLES:
        if files[table.name] is None and not table.optional_file:
            raise GenerateError(f"required file missing: {source / table.file_name} (or .gz)")
    layouts = {  # every header checked before anything is read or written
        name: _header_and_quoting(files[name], TABLES_BY_NAME[name])
        for name in REPLICATED_TABLES
        if files[name] is not None
    }
    for table in TABLES:
        for stale in (out / table.file_name, out / f"{table.file_name}.gz"):
            stale.unlink(missing_ok=True)  # nothing of an earlier run may mix with this one

    report = GenerateReport(str(out), k, seed)
    parts = out / ".parts"
    shutil.rmtree(parts, ignore_errors=True)  # left over by an interrupted run
    parts.mkdir()
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")  # the default, and what makes the output ordered
        for macro in _MACROS:
            con.execute(macro)
        for name, (_, headers, _) in layouts.items():
            _read_source(con, name, files[name], headers)
        steps = {name: _step(_max_id(con, name, layouts[name][1], column)) for name, column in OWN_ID.items()
                 if name in layouts}  # fmt: skip
        # Race and driver ids: above every id any table uses, so a replica never meets another's ids.
        steps["race"] = _step(max(_max_id(con, name, layouts[name][1], "raceId") for name in layouts))
        steps["driver"] = _step(max(_max_id(con, name, layouts[name][1], "driverId") for name in layouts))

        for table in TABLES:
            path, target = files[table.name], out / table.file_name
            if path is None:
                continue
            table_started = time.perf_counter()
            if table.name in SHARED_TABLES:
                with _open_text(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                with open(target, encoding="utf-8") as written:
                    report.rows[table.name] = sum(1 for _ in written) - 1
            else:
                header_line, headers, quoted = layouts[table.name]
                partial = target.with_name(target.name + ".partial")
                rows = 0
                with open(partial, "wb") as dst:
                    dst.write(header_line.encode() + b"\n")
                    for r in range(k):
                        part = parts / f"{table.name}.{r}.csv"
                        stages, exprs = _transforms(table.name, r, k, seed, steps)
                        rows += _copy_rows(con, _line_sql(table.name, headers, quoted, stages, exprs), part)
                        with open(part, "rb") as src:
                            shutil.copyfileobj(src, dst, 1 << 22)
                        part.unlink()
                partial.replace(target)
                report.rows[table.name] = rows
            say(f"{table.name:<24}{report.rows[table.name]:>14,} rows {time.perf_counter() - table_started:8.2f}s")
    shutil.rmtree(parts, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report
