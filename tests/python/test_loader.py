"""Tests of the raw loader (src/f1ml/raw/load.py and the f1-load-raw CLI).

Small CSV fixtures are written per test (plain and gzip); one test loads the shipped data. No network: the URL
source is served by a local http.server on 127.0.0.1.
"""

import datetime
import functools
import gzip
import http.server
import threading
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, SHIPPED_ROW_COUNTS

from f1ml import load_raw as cli
from f1ml.raw.load import LoadError, load_raw
from f1ml.raw.tables import TABLES, TABLES_BY_NAME

SHIPPED = PROJECT_DIR / "data" / "formula1"
SHIPPED_COUNTS = SHIPPED_ROW_COUNTS
SAMPLE_VALUES = {"INTEGER": "{i}", "FLOAT": "{i}.5", "VARCHAR": '"text {i}"', "DATE": "2020-01-0{i}"}


# ---------------------------------------------------------------------------------------------------------
# Fixtures and helpers


def sample_csv(table_name: str, rows: int = 2) -> str:
    """A valid file for the table: its headers and `rows` rows of typed sample values."""
    columns = TABLES_BY_NAME[table_name].columns
    lines = [",".join(c.header for c in columns)]
    lines += [",".join(SAMPLE_VALUES[c.type].format(i=i) for c in columns) for i in range(1, rows + 1)]
    return "\n".join(lines) + "\n"


def write_source(directory: Path, overrides: dict[str, str | None] | None = None, gz: bool = True) -> Path:
    """All 14 files (gzip or plain); overrides replace a file's text, or drop the file when None."""
    directory.mkdir(parents=True, exist_ok=True)
    overrides = overrides or {}
    for table in TABLES:
        text = overrides.get(table.name, sample_csv(table.name))
        if text is None:
            continue
        if gz:
            (directory / f"{table.file_name}.gz").write_bytes(gzip.compress(text.encode()))
        else:
            (directory / table.file_name).write_text(text)
    return directory


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def count(database: Path, table: str) -> int:
    return query(database, f"SELECT count(*) FROM raw.{table}")[0][0]


def audit(database: Path, table: str, columns: str) -> list[tuple]:
    return query(database, f"SELECT {columns} FROM raw.load_audit WHERE table_name = '{table}'")


def load(source, database: Path, **kwargs):
    return load_raw(source, database, progress=None, **kwargs)


@pytest.fixture
def serve(tmp_path):
    """Serve a directory over http on 127.0.0.1 for the test's duration; yields a function dir -> base URL."""
    servers = []

    def start(directory: Path) -> str:
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

        handler = functools.partial(Quiet, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------------------
# Shipped data


def test_shipped_data_loads_every_row_with_no_rejects(tmp_path):
    database = tmp_path / "f1.duckdb"
    lines = []
    report = load_raw(SHIPPED, database, progress=lines.append)

    assert {t.table: t.rows_loaded for t in report.tables} == SHIPPED_COUNTS
    assert {t: count(database, t) for t in SHIPPED_COUNTS} == SHIPPED_COUNTS
    assert report.rows_rejected == 0
    assert count(database, "load_rejects") == 0
    assert len(lines) == 14 and all("0 rejected" in line for line in lines)
    audit = query(database, "SELECT table_name, rows_loaded, rows_rejected, status FROM raw.load_audit")
    assert {row[0]: (row[1], row[2], row[3]) for row in audit} == {
        name: (n, 0, "loaded") for name, n in SHIPPED_COUNTS.items()
    }


def test_shipped_data_has_explicit_column_types(tmp_path):
    database = tmp_path / "f1.duckdb"
    load(SHIPPED, database)
    types = dict(
        query(
            database,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'drivers'",
        )
    )
    assert types == {
        "driver_id": "BIGINT",
        "driver_ref": "VARCHAR",
        "number": "VARCHAR",
        "code": "VARCHAR",
        "forename": "VARCHAR",
        "surname": "VARCHAR",
        "dob": "DATE",
        "nationality": "VARCHAR",
        "url": "VARCHAR",
    }
    # Half points survive (points is FLOAT -> DOUBLE) and \N becomes NULL.
    assert query(database, "SELECT count(*) FROM raw.results WHERE points % 1 <> 0")[0][0] > 0
    assert query(database, "SELECT count(*) FROM raw.drivers WHERE number IS NULL")[0][0] > 0


# ---------------------------------------------------------------------------------------------------------
# Malformed rows


def test_malformed_rows_are_rejected_and_accounted_for(tmp_path):
    lap_lines = [
        "raceId,driverId,lap,position,time,milliseconds",
        '1,1,1,1,"1:38.109",98109',  # line 2: good
        '1,1,abc,1,"1:33.006",93006',  # line 3: 'abc' in an INTEGER column
        "1,1,3,1",  # line 4: too few fields
        '1,1,4,1,"1:32.713",92713,99',  # line 5: too many fields
        "1,1,5,1,1:32.803,92803",  # line 6: good, string unquoted
        '1,1,6,,"1:32.342",',  # line 7: good, empty fields are NULL
    ]
    driver_lines = [
        "driverId,driverRef,number,code,forename,surname,dob,nationality,url",
        '1,"hamilton",44,"HAM","Lewis","Hamilton","1985-01-07","British","u"',
        '2,"heidfeld",\\N,"HEI","Nick","Heidfeld","1977-13-45","German","u"',  # line 3: bad date
    ]
    overrides = {"lap_times": "\n".join(lap_lines) + "\n", "drivers": "\n".join(driver_lines) + "\n"}
    source = write_source(tmp_path / "src", overrides)
    database = tmp_path / "f1.duckdb"

    report = load(source, database)

    sql = "SELECT table_name, line_number, reason, raw_line FROM raw.load_rejects ORDER BY 1, 2"
    rejects = query(database, sql)
    assert [(r[0], r[1]) for r in rejects] == [
        ("drivers", 3),
        ("lap_times", 3),
        ("lap_times", 4),
        ("lap_times", 5),
    ]
    reasons = {(r[0], r[1]): r[2] for r in rejects}
    assert "CAST" in reasons[("drivers", 3)] and "1977-13-45" in reasons[("drivers", 3)]
    assert "CAST" in reasons[("lap_times", 3)] and "abc" in reasons[("lap_times", 3)]
    assert "MISSING COLUMNS" in reasons[("lap_times", 4)]
    assert "TOO MANY COLUMNS" in reasons[("lap_times", 5)]
    assert [r[3] for r in rejects[1:]] == lap_lines[2:5]

    laps = report.table("lap_times")
    assert (laps.rows_loaded, laps.rows_rejected) == (3, 3)
    assert laps.rows_loaded + laps.rows_rejected == len(lap_lines) - 1
    assert (report.table("drivers").rows_loaded, report.table("drivers").rows_rejected) == (1, 1)
    assert query(database, "SELECT lap, position, time, milliseconds FROM raw.lap_times ORDER BY lap") == [
        (1, 1.0, "1:38.109", 98109),
        (5, 1.0, "1:32.803", 92803),
        (6, None, "1:32.342", None),
    ]
    assert audit(database, "lap_times", "rows_loaded, rows_rejected") == [(3, 3)]
    assert report.rows_rejected == 4
    assert "4" in report.summary().splitlines()[-2] and "load_rejects" in report.summary()


# ---------------------------------------------------------------------------------------------------------
# Files and headers


def test_missing_required_file_is_an_error_naming_it(tmp_path):
    source = write_source(tmp_path / "src", {"results": None})
    database = tmp_path / "f1.duckdb"
    with pytest.raises(LoadError, match=r"results\.csv"):
        load(source, database)
    assert not database.exists()  # files are checked before the database is touched


def test_missing_sprint_results_gives_an_empty_table(tmp_path):
    source = write_source(tmp_path / "src", {"sprint_results": None})
    database = tmp_path / "f1.duckdb"
    report = load(source, database)
    sprint = report.table("sprint_results")
    assert (sprint.status, sprint.source_file, sprint.rows_loaded) == ("file absent", None, 0)
    assert count(database, "sprint_results") == 0
    assert count(database, "races") == 2
    assert audit(database, "sprint_results", "status") == [("file absent",)]
    assert "file absent" in report.summary()


def test_2020_races_file_with_8_columns_loads_null_session_columns(tmp_path):
    races = (
        "raceId,year,round,circuitId,name,date,time,url\n"
        '1009,2018,21,24,"Abu Dhabi Grand Prix","2018-11-25","13:10:00","http://x"\n'
        '1010,2019,1,1,"Australian Grand Prix","2019-03-17",\\N,"http://y"\n'
    )
    source = write_source(tmp_path / "src", {"races": races}, gz=False)
    database = tmp_path / "f1.duckdb"
    report = load(source, database)
    assert report.table("races").rows_loaded == 2
    session_columns = tuple(c.header for c in TABLES_BY_NAME["races"].columns[8:])
    assert report.table("races").missing_columns == session_columns
    assert query(database, "SELECT race_id, date, time, fp1_date, sprint_time FROM raw.races ORDER BY 1") == [
        (1009, datetime.date(2018, 11, 25), "13:10:00", None, None),
        (1010, datetime.date(2019, 3, 17), None, None, None),
    ]
    assert audit(database, "races", "missing_columns_nulled") == [(", ".join(session_columns),)]


def test_extra_column_is_ignored_and_reported_and_columns_map_by_name(tmp_path):
    # Newer files add `rank` to sprint_results; this one also reorders columns.
    sprint = (
        "raceId,resultId,driverId,constructorId,number,grid,position,positionText,positionOrder,points,laps,"
        "time,milliseconds,fastestLap,rank,fastestLapTime,statusId\n"
        '1061,7,830,9,33,2,1,"1",1,3,17,"25:38.426",1538426,14,2,"1:30.013",1\n'
    )
    source = write_source(tmp_path / "src", {"sprint_results": sprint})
    database = tmp_path / "f1.duckdb"
    lines = []
    report = load_raw(source, database, progress=lines.append)
    assert report.table("sprint_results").extra_columns == ("rank",)
    assert report.table("sprint_results").rows_rejected == 0
    sql = "SELECT result_id, race_id, fastest_lap, fastest_lap_time FROM raw.sprint_results"
    loaded = query(database, sql)
    assert loaded == [(7, 1061, "14", "1:30.013")]
    assert any(line.startswith("sprint_results") and "ignored: rank" in line for line in lines)
    assert "ignored: rank" in report.summary()
    assert audit(database, "sprint_results", "extra_columns_ignored") == [("rank",)]


def test_header_missing_required_column_is_an_error_naming_file_and_column(tmp_path):
    bad = sample_csv("pit_stops").replace("milliseconds", "millis", 1)
    source = write_source(tmp_path / "src", {"pit_stops": bad})
    with pytest.raises(LoadError, match=r"pit_stops\.csv\.gz.*milliseconds"):
        load(source, tmp_path / "f1.duckdb")


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage\n"], ids=["empty", "not-utf8"])
def test_unreadable_header_is_an_error_naming_the_file(tmp_path, content):
    source = write_source(tmp_path / "src", gz=False)
    (source / "status.csv").write_bytes(content)
    with pytest.raises(LoadError, match=r"status\.csv"):
        load(source, tmp_path / "f1.duckdb")


def test_corrupt_gzip_is_an_error_naming_the_file(tmp_path):
    source = write_source(tmp_path / "src")
    (source / "seasons.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(LoadError, match=r"seasons\.csv\.gz"):
        load(source, tmp_path / "f1.duckdb")


def test_nonexistent_source_is_an_error_naming_it(tmp_path):
    with pytest.raises(LoadError, match="does not exist.*nowhere"):
        load(tmp_path / "nowhere", tmp_path / "f1.duckdb")


def test_plain_csv_wins_over_gzip_when_both_exist(tmp_path):
    source = write_source(tmp_path / "src")  # gzip copies: 2 rows each
    (source / "status.csv").write_text(sample_csv("status", rows=5))
    database = tmp_path / "f1.duckdb"
    report = load(source, database)
    assert report.table("status").source_file == str(source / "status.csv")
    assert count(database, "status") == 5


# ---------------------------------------------------------------------------------------------------------
# Reloads


def test_loading_twice_gives_the_same_tables(tmp_path):
    overrides = {"lap_times": sample_csv("lap_times", rows=3) + "1,2\n"}  # one reject
    source = write_source(tmp_path / "src", overrides)
    database = tmp_path / "f1.duckdb"
    load(source, database)
    first = {t.name: count(database, t.name) for t in TABLES}
    load(source, database)
    assert {t.name: count(database, t.name) for t in TABLES} == first
    assert first["lap_times"] == 3
    assert count(database, "load_rejects") == 1
    assert count(database, "load_audit") == 14


def test_failed_load_leaves_previous_tables_in_place(tmp_path):
    database = tmp_path / "f1.duckdb"
    load(write_source(tmp_path / "good"), database)
    # A gzip stream cut short: the header reads fine, the body fails while DuckDB is loading.
    body = sample_csv("lap_times") + "".join(f'1,{i},1,1,"1:00.000",60000\n' for i in range(20_000))
    packed = gzip.compress(body.encode())
    source = write_source(tmp_path / "bad")
    (source / "lap_times.csv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(LoadError, match=r"lap_times\.csv\.gz: cannot read"):
        load(source, database)
    assert count(database, "lap_times") == 2
    assert count(database, "load_audit") == 14


# ---------------------------------------------------------------------------------------------------------
# URL source


def test_url_source_downloads_and_loads(tmp_path, serve):
    served = write_source(tmp_path / "www", {"sprint_results": None}, gz=False)
    database = tmp_path / "f1.duckdb"
    base = serve(served)
    report = load(base, database)
    assert count(database, "results") == 2
    assert report.table("results").source_file == base + "results.csv"
    assert report.table("sprint_results").status == "file absent"
    assert audit(database, "circuits", "source_file") == [(base + "circuits.csv",)]


def test_url_source_missing_required_file_is_an_error_naming_the_url(tmp_path, serve):
    served = write_source(tmp_path / "www", {"qualifying": None}, gz=False)
    base = serve(served).rstrip("/")  # with or without the trailing slash
    with pytest.raises(LoadError, match=r"qualifying\.csv"):
        load(base, tmp_path / "f1.duckdb")


# ---------------------------------------------------------------------------------------------------------
# CLI


def test_cli_prints_summary_and_exits_zero(tmp_path, capsys):
    source = write_source(tmp_path / "src", {"lap_times": sample_csv("lap_times") + "x,y\n"})
    code = cli.main(["--source", str(source), "--database", str(tmp_path / "f1.duckdb")])
    out = capsys.readouterr().out
    assert code == 0
    assert "raw.lap_times" in out and "total" in out
    total = next(line for line in out.splitlines() if line.startswith("total")).split()
    assert total[1:4] == ["28", "0", "1"]  # 14 tables of 2 good rows, none padded; lap_times also has 1 bad row


def test_cli_exits_non_zero_with_a_message_on_errors(tmp_path, capsys):
    code = cli.main(["--source", str(tmp_path / "missing"), "--database", str(tmp_path / "f1.duckdb")])
    err = capsys.readouterr().err
    assert code == 1
    assert "error" in err and str(tmp_path / "missing") in err


def test_cli_default_database_follows_f1_duckdb_path(monkeypatch, tmp_path):
    monkeypatch.setenv("F1_DUCKDB_PATH", str(tmp_path / "x.duckdb"))
    assert cli.default_database() == tmp_path / "x.duckdb"
    monkeypatch.delenv("F1_DUCKDB_PATH")
    assert cli.default_database() == PROJECT_DIR / "formula1.duckdb"


def test_database_file_named_like_the_schema(tmp_path):
    """raw.duckdb holds a catalog named raw and a schema named raw: names must not be ambiguous."""
    report = load_raw(SHIPPED, tmp_path / "raw.duckdb")
    assert report.table("status").rows_loaded == SHIPPED_COUNTS["status"]
