"""Tests of the raw loader (src/f1ml/raw/load.py and the f1-load-raw CLI).

Small CSV fixtures are written per test (plain and gzip); one test loads the shipped data. No network: the URL
source is served by a local http.server on 127.0.0.1.
"""

import datetime
import functools
import gzip
import http.server
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from conftest import PROJECT_DIR, SHIPPED_ROW_COUNTS

from f1ml import load_raw as cli
from f1ml.raw import database_file
from f1ml.raw import load as raw_load
from f1ml.raw.dbt_plugin import Plugin
from f1ml.raw.load import LoadError, describe_changes, load_raw
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


def test_two_copies_of_one_table_are_an_error_naming_both(tmp_path):
    source = write_source(tmp_path / "src")  # gzip copies: 2 rows each
    (source / "status.csv").write_text(sample_csv("status", rows=5))
    database = tmp_path / "f1.duckdb"
    with pytest.raises(LoadError, match="two copies of table status") as error:
        load(source, database)
    assert str(source / "status.csv") in str(error.value) and str(source / "status.csv.gz") in str(error.value)
    assert not database.exists()  # checked before the database is touched


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
# Changes since the previous load

RESULTS_HEADER = ",".join(c.header for c in TABLES_BY_NAME["results"].columns)


def results_csv(rows: dict[int, tuple[int, str]]) -> str:
    """results.csv with one row per result_id: (race_id, time); every other field fixed."""
    lines = [RESULTS_HEADER]
    lines += [
        f'{rid},{race},1,1,1,1,1,"1",1,10,58,"{time}",1,1,1,"1:27.452",218.3,1' for rid, (race, time) in rows.items()
    ]
    return "\n".join(lines) + "\n"


def changes(database: Path) -> dict[str, tuple]:
    sql = "SELECT table_name, rows_before, rows_after, rows_added, rows_changed, rows_deleted, races_touched FROM"
    return {row[0]: row[1:] for row in query(database, f"{sql} raw.load_changes")}


def describe(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return describe_changes(con)


def test_first_load_has_nothing_to_compare_with(tmp_path):
    database = tmp_path / "f1.duckdb"
    load(write_source(tmp_path / "src"), database)
    assert changes(database)["results"] == (None, 2, None, None, None, None)
    assert describe(database) == ["first load into this database: no earlier load to compare with"]


def test_reloading_the_same_files_changes_nothing(tmp_path):
    database = tmp_path / "f1.duckdb"
    source = write_source(tmp_path / "src")
    load(source, database)
    load(source, database)
    assert set(changes(database).values()) == {(2, 2, 0, 0, 0, None), (2, 2, 0, 0, 0, 0)}
    assert describe(database)[0].startswith("no row changed since the last load (")
    assert query(database, "SELECT count(*) FROM raw.load_changed_races") == [(0,)]


def test_reload_counts_rows_added_changed_deleted_and_the_races_they_touch(tmp_path):
    database = tmp_path / "f1.duckdb"
    before = {1: (10, "+1.0"), 2: (10, "+2.0"), 3: (20, "+3.0"), 4: (30, "+4.0"), 5: (40, "+5.0")}
    after = {
        1: (10, "+1.0"),
        2: (10, "+2.0s"),  # a new gap format in race 10
        3: (20, "+3.0"),  # race 20 unchanged
        4: (31, "+4.0"),  # moved from race 30 to race 31: both touched
        6: (50, "+6.0"),  # added in race 50; result 5 of race 40 deleted
    }
    load(write_source(tmp_path / "old", {"results": results_csv(before)}), database)
    drivers = sample_csv("drivers").replace('"text 1"', '"changed"', 1)
    load(write_source(tmp_path / "new", {"results": results_csv(after), "drivers": drivers}), database)

    assert changes(database)["results"] == (5, 5, 1, 2, 1, 5)
    assert changes(database)["drivers"] == (2, 2, 0, 1, 0, None)  # no race_id: no races counted
    assert changes(database)["lap_times"] == (2, 2, 0, 0, 0, 0)
    per_race = "SELECT race_id, rows_added, rows_changed, rows_deleted FROM raw.load_changed_races ORDER BY 1"
    assert query(database, per_race) == [(10, 0, 1, 0), (30, 0, 1, 0), (31, 0, 1, 0), (40, 0, 0, 1), (50, 1, 0, 0)]
    lines = describe(database)
    assert lines[0].startswith("drivers: 1 row (1 changed) since the last load (")
    assert lines[1].startswith("results: 4 rows (2 changed, 1 added, 1 deleted) in 5 races since the last load (")


def test_the_changes_name_the_seasons_of_the_races_they_touch(tmp_path):
    database = tmp_path / "f1.duckdb"
    races = sample_csv("races", rows=3)  # race_id i, year i: races 1, 2, 3 of seasons 1, 2, 3
    load(
        write_source(tmp_path / "old", {"races": races, "results": results_csv({1: (1, "+1"), 2: (3, "+2")})}), database
    )
    load(
        write_source(tmp_path / "new", {"races": races, "results": results_csv({1: (1, "+1s"), 2: (3, "+2s")})}),
        database,
    )
    assert describe(database)[0].startswith("results: 2 rows (2 changed) in 2 races (1, 3) since the last load")


def test_a_failed_reload_keeps_the_previous_tables_and_their_changes(tmp_path):
    database = tmp_path / "f1.duckdb"
    load(write_source(tmp_path / "old"), database)
    with pytest.raises(LoadError):
        load(write_source(tmp_path / "bad", {"results": "resultId\n1\n"}), database)
    assert changes(database)["results"] == (None, 2, None, None, None, None)
    assert "results__before_load" not in {name for (name,) in query(database, "SELECT table_name FROM duckdb_tables()")}


# ---------------------------------------------------------------------------------------------------------
# The database file, and a full disk


@pytest.mark.parametrize("size", [0, 8192])  # what DuckDB left here when the disk filled while it created a file
def test_a_database_file_left_by_a_failed_creation_is_refused_with_what_to_do(tmp_path, size):
    database = tmp_path / "f1.duckdb"
    database.write_bytes(b"\x00" * 8 + b"DUCK" + b"\x00" * (size - 12) if size else b"")
    with pytest.raises(LoadError, match=f"not a usable DuckDB database file.*Delete it \\(rm {database}\\)"):
        load(write_source(tmp_path / "src"), database)
    assert database.stat().st_size == size  # named, not deleted: the user decides


def test_the_dbt_plugin_refuses_such_a_file_before_dbt_opens_it(tmp_path):
    database = tmp_path / "f1.duckdb"
    database.write_bytes(b"")
    plugin = Plugin("raw_load", {}, credentials=None)
    with pytest.raises(RuntimeError, match="empty \\(0 bytes\\).*Delete it"):
        plugin.update_connection_config(SimpleNamespace(path=str(database)), {})
    database.unlink()
    plugin.update_connection_config(SimpleNamespace(path=str(database)), {})  # absent: created, empty and valid
    with duckdb.connect(str(database)) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]


def failing_connect(path, *args, **kwargs):
    """duckdb.connect on a full disk: the file is created, its first write fails."""
    Path(path).write_bytes(b"")
    raise duckdb.IOException(f'IO Error: Could not write file "{path}": No space left on device')


def test_a_database_created_on_a_full_disk_leaves_no_file_and_names_the_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(database_file.duckdb, "connect", failing_connect)
    database = tmp_path / "f1.duckdb"
    with pytest.raises(LoadError, match="cannot create the database .*The disk is full"):
        load(write_source(tmp_path / "src"), database)
    assert not database.exists()


def test_a_write_failing_for_lack_of_space_during_the_load_names_the_disk(tmp_path, monkeypatch):
    database = tmp_path / "f1.duckdb"
    load(write_source(tmp_path / "old"), database)

    def full(*args):
        raise duckdb.IOException(f'IO Error: Could not write file "{database}": No space left on device')

    monkeypatch.setattr(raw_load, "_insert", full)
    with pytest.raises(LoadError, match="^the disk is full: the load into .* stopped") as error:
        load(write_source(tmp_path / "new"), database)
    assert "cannot read" not in str(error.value)
    assert count(database, "results") == 2  # the previous tables stay


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (root only; skipped where mounting is not allowed)."""
    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_a_full_disk_during_a_real_load_is_named_and_the_next_load_works(small_disk, tmp_path):
    database = small_disk / "f1.duckdb"
    load(write_source(tmp_path / "small"), database)
    with pytest.raises(LoadError, match="the disk is full") as error:
        load(SHIPPED, database)  # about 30 MB of tables: does not fit in 4 MiB
    assert "cannot read" not in str(error.value)
    assert count(database, "results") == 2  # the database still opens, with the previous tables
    subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)], check=True)  # space freed
    assert load(SHIPPED, database).rows_loaded == sum(SHIPPED_COUNTS.values())


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


def test_cli_prints_a_line_per_table_the_totals_and_the_changes(tmp_path, capsys):
    source = write_source(tmp_path / "src", {"lap_times": sample_csv("lap_times") + "x,y\n"})
    code = cli.main(["--source", str(source), "--database", str(tmp_path / "f1.duckdb")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len([line for line in out if line.startswith("lap_times ")]) == 1 and "1 rejected" in out[7]
    # 14 tables of 2 good rows, none padded; lap_times also has 1 bad row
    assert out[15].startswith("total: 28 rows in 14 tables of raw, 0 padded, 1 rejected")
    assert out[16:] == [
        "rejected rows, with line and reason: select * from raw.load_rejects",
        "first load into this database: no earlier load to compare with",
    ]


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
