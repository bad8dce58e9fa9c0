"""Raw files as users bring them, on the loader's side: ragged rows, other encodings, empty files,
and the load dbt runs by itself when the raw tables are absent.

Hand-made fixtures of a few rows each, written over the valid sample files of test_loader.
"""

import gzip

import duckdb
import pytest
from test_loader import audit, count, load, query, sample_csv, write_source

from f1ml import load_raw as cli
from f1ml.raw.autoload import load_if_absent
from f1ml.raw.load import LoadError, load_raw
from f1ml.raw.tables import TABLES_BY_NAME
from f1ml.summary import raw_load_lines


def header(table: str) -> str:
    return ",".join(c.header for c in TABLES_BY_NAME[table].columns)


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------------------------------------
# 1. Ragged rows: a row that ends early loads when only optional fields are missing


RACE_2024 = (
    '1121,2024,1,3,"Bahrain Grand Prix","2024-03-02","15:00:00","http://a","2024-02-29","11:30:00",'
    '"2024-02-29","15:00:00","2024-03-01","12:30:00","2024-03-01","16:00:00",\\N,\\N'
)
RACES_2025_EXPORT = lines(
    header("races"),  # 18 columns
    RACE_2024,  # line 2: every field
    "1145,2025,1,1,Australian Grand Prix,2025-03-16,04:00:00,http://b",  # 3: 8 fields, unquoted
    '1146,2025,2,17,"Chinese Grand Prix, Shanghai",2025-03-23,07:00:00,http://c',  # 4: 8 fields, a quoted comma
    "1147,2025,3,22,Japanese Grand Prix,2025-04-06,05:00:00,http://d,2025-04-04",  # 5: 9 fields
    "1148,2025,4,3,Bahrain Grand Prix,2025-04-13",  # 6: no time nor url (required): rejected
    "1149,twenty,5,77,Saudi Arabian Grand Prix,2025-04-20,17:00:00,http://e",  # 7: short, and a bad year
)


@pytest.mark.parametrize("windows", [False, True], ids=["lf", "crlf-bom"])
def test_rows_ending_before_optional_columns_load_padded(tmp_path, windows):
    races = "\ufeff" + RACES_2025_EXPORT.replace("\n", "\r\n") if windows else RACES_2025_EXPORT
    source = write_source(tmp_path / "src", {"races": races})
    database = tmp_path / "f1.duckdb"
    said = []
    report = load_raw(source, database, progress=said.append)

    assert query(database, "SELECT race_id, name, time, url, fp1_date, sprint_time FROM raw.races ORDER BY 1") == [
        (1121, "Bahrain Grand Prix", "15:00:00", "http://a", "2024-02-29", None),
        (1145, "Australian Grand Prix", "04:00:00", "http://b", None, None),
        (1146, "Chinese Grand Prix, Shanghai", "07:00:00", "http://c", None, None),
        (1147, "Japanese Grand Prix", "05:00:00", "http://d", "2025-04-04", None),
    ]
    races = report.table("races")
    assert (races.rows_loaded, races.rows_padded, races.rows_rejected) == (4, 3, 2)
    rejects = query(database, "SELECT line_number, reason, raw_line FROM raw.load_rejects ORDER BY 1")
    assert [(line, raw.strip()) for line, _, raw in rejects] == [
        (6, "1148,2025,4,3,Bahrain Grand Prix,2025-04-13"),
        (7, "1149,twenty,5,77,Saudi Arabian Grand Prix,2025-04-20,17:00:00,http://e"),
    ]
    assert "MISSING COLUMNS" in rejects[0][1]
    assert "CAST" in rejects[1][1] and "twenty" in rejects[1][1]
    assert audit(database, "races", "rows_loaded, rows_padded, rows_rejected") == [(4, 3, 2)]
    assert report.rows_padded == 3
    summary = report.summary()
    assert summary.splitlines()[0].split()[:4] == ["table", "loaded", "padded", "rejected"]
    assert next(line for line in summary.splitlines() if line.startswith("raw.races")).split()[1:4] == ["4", "3", "2"]
    assert any(line.startswith("races") and "3 padded" in line for line in said)


def test_other_tables_pad_their_optional_columns_and_reject_missing_required_ones(tmp_path):
    overrides = {
        # q2 and q3 empty for drivers knocked out in Q1: an export may end the row after q1
        "qualifying": lines(header("qualifying"), '1,1,1,1,44,1,"1:30.1","1:29.9","1:29.5"', "2,1,2,1,4,18,1:32.0"),
        # status is D for a disqualification, else empty
        "constructor_results": lines(header("constructor_results"), "1,1,1,25,D", "2,1,2,18"),
        # statusId is required: a row without it is rejected
        "results": lines(header("results"), sample_csv("results").splitlines()[1], "9,1,1,1,44,1,1,1,1,25,57"),
        # an extra column the loader ignores may be missing too
        "seasons": lines("year,url,comment", '2024,"http://s","last"', "2025,http://t"),
    }
    source = write_source(tmp_path / "src", overrides)
    database = tmp_path / "f1.duckdb"
    report = load(source, database)

    assert query(database, "SELECT qualifying_id, q1, q2, q3 FROM raw.qualifying ORDER BY 1") == [
        (1, "1:30.1", "1:29.9", "1:29.5"),
        (2, "1:32.0", None, None),
    ]
    assert query(database, "SELECT status FROM raw.constructor_results ORDER BY 1 NULLS LAST") == [("D",), (None,)]
    loads = {name: report.table(name) for name in overrides}
    counts = {name: (t.rows_loaded, t.rows_padded, t.rows_rejected) for name, t in loads.items()}
    assert counts == {
        "qualifying": (2, 1, 0),
        "constructor_results": (2, 1, 0),
        "results": (1, 0, 1),
        "seasons": (2, 1, 0),
    }
    assert query(database, "SELECT line_number FROM raw.load_rejects WHERE table_name = 'results'") == [(3,)]


# ---------------------------------------------------------------------------------------------------------
# 4. Encodings: a file that is not UTF-8 is an error naming the option, or decoded with it


DRIVERS_ACCENTED = lines(
    header("drivers"),
    '1,"raikkonen",7,"RAI","Kimi","Räikkönen","1979-10-17","Finnish","http://k"',
    '2,"perez",11,"PER","Sergio","Pérez","1990-01-26","Mexican","http://p"',
    '3,"hulkenberg",27,"HUL","Nico","Hülkenberg","1987-08-19","German","http://n"',
)
CIRCUITS_UTF8 = lines(
    header("circuits"), '18,"interlagos","Autódromo José Carlos Pace","São Paulo","Brazil",-23.7,-46.7,785,"u"'
)


def write_bytes(directory, table: str, data: bytes) -> None:
    """Replace a table's file by these bytes (gzip-compressed, as write_source writes them)."""
    (directory / f"{table}.csv.gz").write_bytes(gzip.compress(data))


def test_file_not_utf8_stops_the_load_naming_the_file_and_the_option(tmp_path):
    database = tmp_path / "f1.duckdb"
    load(write_source(tmp_path / "good"), database)
    source = write_source(tmp_path / "src")
    write_bytes(source, "drivers", DRIVERS_ACCENTED.encode("latin-1"))

    with pytest.raises(LoadError, match=r"drivers\.csv\.gz: not valid UTF-8 \(3 line\(s\).*--encoding"):
        load(source, database)
    assert count(database, "drivers") == 2  # the previous load is untouched
    assert count(database, "load_rejects") == 0


def test_encoding_option_decodes_only_the_files_that_are_not_utf8(tmp_path):
    source = write_source(tmp_path / "src", {"circuits": CIRCUITS_UTF8})
    # cp1252 (a spreadsheet's "CSV" on Windows) and latin-1 differ on characters like the curly apostrophe.
    drivers = DRIVERS_ACCENTED.replace('"http://n"', '"http://n/O’Brien"')
    write_bytes(source, "drivers", drivers.encode("cp1252"))
    database = tmp_path / "f1.duckdb"

    report = load(source, database, encoding="cp1252")

    assert query(database, "SELECT surname, url FROM raw.drivers ORDER BY driver_id") == [
        ("Räikkönen", "http://k"),
        ("Pérez", "http://p"),
        ("Hülkenberg", "http://n/O’Brien"),
    ]
    assert query(database, "SELECT name, location FROM raw.circuits") == [("Autódromo José Carlos Pace", "São Paulo")]
    assert (report.table("drivers").encoding, report.table("circuits").encoding) == ("cp1252", "utf-8")
    assert audit(database, "drivers", "encoding, rows_rejected") == [("cp1252", 0)]
    assert "read as cp1252" in report.summary()


def test_file_undecodable_in_the_given_encoding_is_an_error_naming_both(tmp_path):
    source = write_source(tmp_path / "src")
    write_bytes(source, "drivers", DRIVERS_ACCENTED.encode("latin-1").replace(b"Kimi", b"Ki\x81mi"))
    with pytest.raises(LoadError, match=r"drivers\.csv\.gz: not valid UTF-8, and not valid cp1252 either.*0x81"):
        load(source, tmp_path / "f1.duckdb", encoding="cp1252")


def test_cli_encoding_option(tmp_path, capsys):
    source = write_source(tmp_path / "src")
    write_bytes(source, "drivers", DRIVERS_ACCENTED.encode("latin-1"))
    database = tmp_path / "f1.duckdb"
    assert cli.main(["--source", str(source), "--database", str(database)]) == 1
    assert "--encoding" in capsys.readouterr().err
    assert cli.main(["--source", str(source), "--database", str(database), "--encoding", "latin-1"]) == 0
    assert query(database, "SELECT surname FROM raw.drivers WHERE driver_id = 2") == [("Pérez",)]
    assert cli.main(["--source", str(source), "--database", str(database), "--encoding", "klingon"]) == 1
    assert "unknown encoding 'klingon'" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------
# 5. A required file with a header and no rows


def test_required_table_with_no_rows_is_a_warning_in_summary_and_audit(tmp_path):
    overrides = {
        "results": header("results") + "\n",
        "status": lines(header("status"), "one,Finished", "two,Disqualified"),  # every row rejected
        "sprint_results": header("sprint_results") + "\n",  # optional file: may be empty
    }
    database = tmp_path / "f1.duckdb"
    said = []
    report = load_raw(write_source(tmp_path / "src", overrides), database, progress=said.append)

    summary = report.summary()
    assert "WARNING: results: required table loaded 0 rows (the file has a header and no rows)" in summary
    assert "WARNING: status: required table loaded 0 rows (all 2 rows rejected)" in summary
    assert len(report.warnings) == 2
    warned = query(database, "SELECT table_name, warning_count FROM raw.load_audit WHERE warning_count > 0 ORDER BY 1")
    assert warned == [("results", 1), ("status", 1)]
    assert audit(database, "results", "warnings") == [
        ("required table loaded 0 rows (the file has a header and no rows); every model built on it will be empty",)
    ]
    assert any(line.startswith("results") and "WARNING" in line for line in said)
    with duckdb.connect(str(database), read_only=True) as con:  # the summary scripts/run prints
        printed = raw_load_lines(con)
    assert [line.split(":")[1].strip() for line in printed if "WARNING" in line] == ["results", "status"]


# ---------------------------------------------------------------------------------------------------------
# 6. The load dbt runs by itself (src/f1ml/raw/dbt_plugin.py calls load_if_absent on dbt's connection)


@pytest.fixture
def small_source(tmp_path, monkeypatch):
    source = write_source(tmp_path / "src")
    monkeypatch.setenv("F1_RAW_SOURCE", str(source))
    return source


def test_load_if_absent_loads_once_and_never_replaces(small_source, tmp_path):
    with duckdb.connect(str(tmp_path / "f1.duckdb")) as con:
        report = load_if_absent(con, progress=None)
        assert report is not None and report.table("results").source_file == str(small_source / "results.csv.gz")
        assert con.execute("SELECT count(*) FROM raw.load_audit").fetchall() == [(14,)]
        con.execute("DELETE FROM raw.status")  # a user's change, or a newer load: must stay as it is
        assert load_if_absent(con, progress=None) is None
        assert con.execute("SELECT count(*) FROM raw.status").fetchall() == [(0,)]


def test_load_if_absent_refuses_a_schema_with_some_raw_tables(small_source, tmp_path):
    with duckdb.connect(str(tmp_path / "f1.duckdb")) as con:
        load_if_absent(con, progress=None)
        con.execute("DROP TABLE raw.pit_stops")
        with pytest.raises(LoadError, match=r"only some of the raw tables \(missing: pit_stops\).*f1-load-raw"):
            load_if_absent(con, progress=None)
        assert con.execute("SELECT count(*) FROM raw.results").fetchall() == [(2,)]


def test_load_if_absent_follows_the_encoding_variable(small_source, tmp_path, monkeypatch):
    write_bytes(small_source, "drivers", DRIVERS_ACCENTED.encode("latin-1"))
    with duckdb.connect(str(tmp_path / "f1.duckdb")) as con:
        with pytest.raises(LoadError, match="F1_RAW_ENCODING"):
            load_if_absent(con, progress=None)
        assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw'").fetchall() == [
            (0,)
        ]
        monkeypatch.setenv("F1_RAW_ENCODING", "latin-1")
        load_if_absent(con, progress=None)
        assert con.execute("SELECT count(*) FROM raw.drivers").fetchall() == [(3,)]
