"""Tests of the scaled-data generator (src/f1ml/dev/scaled_data.py and the f1-generate-scaled-data CLI).

The shipped data is scaled k = 2 once per module, loaded with the raw loader, and checked: row counts, keys,
foreign keys, positions, rounds, ages, realistic perturbations; then determinism (same seed: same bytes;
other seed: other times), k = 1 (the source itself) and argument errors.
"""

import filecmp
import gzip
import shutil

import duckdb
import pytest
from conftest import SHIPPED_ROW_COUNTS

from f1ml import PROJECT_DIR
from f1ml.dev import generate_scaled_data as cli
from f1ml.dev.scaled_data import SCALED_TABLES, SHARED_TABLES, GenerateError, generate_scaled
from f1ml.raw.load import load_raw
from f1ml.raw.tables import TABLES, TABLES_BY_NAME

SHIPPED = PROJECT_DIR / "data" / "formula1"
K, SEED = 2, 20240
SHIPPED_COUNTS = SHIPPED_ROW_COUNTS
RACE_STEP, DRIVER_STEP = 10_000, 1_000  # ids of the shipped data: races < 10,000, drivers < 1,000
# (child table, child columns, parent table, parent columns): every relationship of the raw data.
FOREIGN_KEYS = [
    ("results", "race_id", "races", "race_id"),
    ("results", "driver_id", "drivers", "driver_id"),
    ("results", "constructor_id", "constructors", "constructor_id"),
    ("results", "status_id", "status", "status_id"),
    ("sprint_results", "race_id", "races", "race_id"),
    ("sprint_results", "driver_id", "drivers", "driver_id"),
    ("sprint_results", "constructor_id", "constructors", "constructor_id"),
    ("sprint_results", "status_id", "status", "status_id"),
    ("qualifying", "race_id", "races", "race_id"),
    ("qualifying", "driver_id", "drivers", "driver_id"),
    ("qualifying", "constructor_id", "constructors", "constructor_id"),
    ("lap_times", "race_id", "races", "race_id"),
    ("lap_times", "driver_id", "drivers", "driver_id"),
    ("lap_times", "race_id, driver_id", "results", "race_id, driver_id"),
    ("pit_stops", "race_id", "races", "race_id"),
    ("pit_stops", "driver_id", "drivers", "driver_id"),
    ("pit_stops", "race_id, driver_id", "results", "race_id, driver_id"),
    ("driver_standings", "race_id", "races", "race_id"),
    ("driver_standings", "driver_id", "drivers", "driver_id"),
    ("constructor_standings", "race_id", "races", "race_id"),
    ("constructor_standings", "constructor_id", "constructors", "constructor_id"),
    ("constructor_results", "race_id", "races", "race_id"),
    ("constructor_results", "constructor_id", "constructors", "constructor_id"),
    ("races", "circuit_id", "circuits", "circuit_id"),
    ("races", "year", "seasons", "year"),
]
# Natural keys the dbt models test besides each table's primary key (tables.py).
NATURAL_KEYS = {
    "races": [("year", "round")],
    "drivers": [("driver_ref",)],
    "qualifying": [("race_id", "driver_id")],
    "sprint_results": [("race_id", "driver_id")],
    "driver_standings": [("race_id", "driver_id")],
    "constructor_standings": [("race_id", "constructor_id")],
    "constructor_results": [("race_id", "constructor_id")],
}


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """The shipped data scaled K times with SEED: (output directory, report)."""
    out = tmp_path_factory.mktemp("scaled") / "out"
    return out, generate_scaled(SHIPPED, out, K, SEED)


@pytest.fixture(scope="module")
def db(scaled, tmp_path_factory):
    """The scaled output loaded by the raw loader: (connection to the database, load report)."""
    database = tmp_path_factory.mktemp("db") / "scaled.duckdb"
    report = load_raw(scaled[0], database, progress=None)
    con = duckdb.connect(str(database), read_only=True)
    con.execute("USE raw")
    yield con, report
    con.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def scalar(con, sql: str):
    return rows(con, sql)[0][0]


# ---------------------------------------------------------------------------------------------------------
# Shape and integrity


def test_scaled_tables_have_k_times_the_shipped_rows(scaled, db):
    out, report = scaled
    con, _ = db
    expected = {name: count * (1 if name in SHARED_TABLES else K) for name, count in SHIPPED_COUNTS.items()}
    assert set(SCALED_TABLES) | {"races", "drivers"} | set(SHARED_TABLES) == set(SHIPPED_COUNTS)
    assert report.rows == expected
    assert {name: scalar(con, f"SELECT count(*) FROM {name}") for name in expected} == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(t.file_name for t in TABLES)  # plain CSV only


def test_the_loader_loads_the_output_with_no_rejects(db):
    con, report = db
    assert report.rows_rejected == 0
    assert scalar(con, "SELECT count(*) FROM load_rejects") == 0
    assert all(t.status == "loaded" and not t.extra_columns and not t.missing_columns for t in report.tables)


def test_output_keeps_the_shipped_headers_and_quoting(scaled):
    out, _ = scaled
    for table in TABLES:
        with gzip.open(SHIPPED / f"{table.file_name}.gz", "rt") as shipped, open(out / table.file_name) as made:
            assert made.readline() == shipped.readline()
            assert made.readline() == shipped.readline()  # replica 0 of the first row: the original line
    with open(out / "results.csv") as made:
        replica_row = made.readlines()[SHIPPED_COUNTS["results"] + 1]
    assert replica_row.startswith('100001,10018,1001,1,22,1,1,"1",1,10,58,"')
    with open(out / "drivers.csv") as made:
        replica_driver = made.readlines()[SHIPPED_COUNTS["drivers"] + 2]
    assert replica_driver.startswith('1002,"heidfeld_r1",\\N,"HEI","Nick","Heidfeld","1977-05-10"')


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_primary_and_natural_keys_are_unique(db, table):
    con, _ = db
    for key in [TABLES_BY_NAME[table].key, *NATURAL_KEYS.get(table, [])]:
        columns = ", ".join(key)
        duplicates = scalar(
            con, f"SELECT count(*) FROM (SELECT {columns} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
        )
        nulls = scalar(con, f"SELECT count(*) FROM {table} WHERE " + " OR ".join(f"{c} IS NULL" for c in key))
        assert (duplicates, nulls) == (0, 0), f"{table} ({columns})"


@pytest.mark.parametrize("child, columns, parent, parent_columns", FOREIGN_KEYS)
def test_every_foreign_key_resolves(db, child, columns, parent, parent_columns):
    con, _ = db
    orphans = scalar(
        con,
        f"SELECT count(*) FROM (SELECT {columns} FROM {child} EXCEPT SELECT {parent_columns} FROM {parent})",
    )
    assert orphans == 0


def test_each_replica_uses_its_own_races_and_drivers(db):
    con, _ = db
    mixed = scalar(
        con,
        f"SELECT count(*) FROM results WHERE race_id // {RACE_STEP} <> driver_id // {DRIVER_STEP}",
    )
    assert mixed == 0
    per_replica = rows(con, f"SELECT race_id // {RACE_STEP} AS r, count(*) FROM lap_times GROUP BY r ORDER BY r")
    assert per_replica == [(r, SHIPPED_COUNTS["lap_times"]) for r in range(K)]


def test_positions_per_race_are_still_1_to_n_where_the_original_had_them(db):
    con, _ = db
    for table, column, extra in [
        ("results", "position_order", ""),
        ("sprint_results", "position_order", ""),
        ("qualifying", "position", ""),
        ("lap_times", "position", ", lap"),
    ]:
        # Per (replica, original race[, lap]): are the positions exactly 1..n, without duplicates?
        groups = rows(
            con,
            f"SELECT race_id // {RACE_STEP} AS replica, race_id % {RACE_STEP} AS original{extra}, "
            f"count(DISTINCT {column}) = count(*) AND min({column}) = 1 AND max({column}) = count(*) "
            f"FROM {table} GROUP BY ALL",
        )
        flags = {}
        for replica, *group, is_1_to_n in groups:
            flags.setdefault(tuple(group), {})[replica] = is_1_to_n
        assert all(set(by_replica) == set(range(K)) for by_replica in flags.values()), table
        assert all(len(set(by_replica.values())) == 1 for by_replica in flags.values()), table
        assert sum(by_replica[0] for by_replica in flags.values()) > 0.75 * len(flags), table


def test_rounds_are_unique_consecutive_and_in_date_order(db):
    con, _ = db
    seasons = rows(
        con,
        "SELECT year, count(*), min(round), max(round), count(DISTINCT round), "
        "bool_and(previous_date IS NULL OR date >= previous_date) "
        "FROM (SELECT *, lag(date) OVER (PARTITION BY year ORDER BY round) AS previous_date FROM races) GROUP BY year",
    )
    assert len(seasons) == SHIPPED_COUNTS["seasons"]
    assert all(n == distinct == last and first == 1 and ordered for _, n, first, last, distinct, ordered in seasons)
    assert rows(con, "SELECT min(year), max(year) FROM races") == [(1950, 2024)]  # the calendar is the real one
    assert scalar(con, "SELECT count(*) FROM races WHERE year(date) <> year") == 0


def test_driver_ages_on_race_day_stay_between_15_and_70(db):
    con, _ = db
    ages = rows(
        con,
        "SELECT min(year(age(r.date, d.dob))), max(year(age(r.date, d.dob))) "
        "FROM results AS x JOIN races AS r USING (race_id) JOIN drivers AS d USING (driver_id)",
    )
    assert ages[0][0] >= 15 and ages[0][1] <= 70


def test_sprint_results_only_on_sprint_weekends(db):
    con, _ = db
    assert scalar(con, "SELECT count(*) FROM sprint_results JOIN races USING (race_id) WHERE sprint_date IS NULL") == 0


# ---------------------------------------------------------------------------------------------------------
# Values

PAIRS = (  # each row of replica 1 beside its original
    "FROM {t} AS o JOIN {t} AS c ON c.race_id = o.race_id + {rs} AND c.driver_id = o.driver_id + {ds} "
    "AND c.{key} = o.{key}"
)
# m:ss.fff (or h:mm:ss.fff) as milliseconds, in SQL: what the dbt macro parse_duration_ms computes.
MS = (
    "CASE length({t}) - length(replace({t}, ':', '')) "
    "WHEN 0 THEN round(1000 * cast(ltrim({t}, '+') AS DOUBLE)) "
    "WHEN 1 THEN 60000 * cast(split_part(ltrim({t}, '+'), ':', 1) AS INT) "
    "+ round(1000 * cast(split_part({t}, ':', 2) AS DOUBLE)) "
    "ELSE 3600000 * cast(split_part({t}, ':', 1) AS INT) + 60000 * cast(split_part({t}, ':', 2) AS INT) "
    "+ round(1000 * cast(split_part({t}, ':', 3) AS DOUBLE)) END"
)


def test_replicas_keep_outcomes_and_perturb_times_realistically(db):
    con, _ = db
    laps = PAIRS.format(t="lap_times", rs=RACE_STEP, ds=DRIVER_STEP, key="lap")
    ratio = "c.milliseconds / o.milliseconds"
    n, mean, sd, low, high, same_position = rows(
        con,
        f"SELECT count(*), avg({ratio}), stddev({ratio}), min({ratio}), max({ratio}), "
        f"bool_and(c.position IS NOT DISTINCT FROM o.position) {laps}",
    )[0]
    assert n == SHIPPED_COUNTS["lap_times"] and same_position
    assert abs(mean - 1) < 0.003 and 0.005 < sd < 0.02 and low > 0.94 and high < 1.06

    stops = PAIRS.format(t="pit_stops", rs=RACE_STEP, ds=DRIVER_STEP, key="stop")
    n, sd, low, same = rows(
        con,
        f"SELECT count(*), stddev({ratio}), min(c.milliseconds), bool_and(c.lap = o.lap AND c.time = o.time) {stops}",
    )[0]
    assert n == SHIPPED_COUNTS["pit_stops"] and same and 0.04 < sd < 0.08 and low >= 1

    kept = ["grid", "position", "position_text", "position_order", "points", "laps", "status_id", "constructor_id",
            "number", "fastest_lap", "rank"]  # fmt: skip
    same = " AND ".join(f"c.{column} IS NOT DISTINCT FROM o.{column}" for column in kept)
    n, outcomes_kept, max_change = rows(
        con,
        f"SELECT count(*), bool_and({same}), max(abs({ratio} - 1)) "
        "FROM results AS o JOIN results AS c ON c.result_id = o.result_id + 100000",
    )[0]
    assert n == SHIPPED_COUNTS["results"] and outcomes_kept
    assert 0 < max_change < 0.036  # race times follow the pace of the race: +/-3.5% at most


def test_time_texts_match_their_milliseconds(db):
    """What the dbt tests assert_*_text_matches_milliseconds check, on every row."""
    con, _ = db
    for table, text in [("lap_times", "time"), ("pit_stops", "duration")]:
        mismatches = scalar(con, f"SELECT count(*) FROM {table} WHERE {MS.format(t=text)} <> milliseconds")
        assert mismatches == 0, table
    red_flag = scalar(con, "SELECT count(*) FROM lap_times WHERE time LIKE '%:%:%'")
    assert red_flag == K * 43  # laps behind a red flag keep their h:mm:ss.fff shape


def test_qualifying_order_and_fastest_lap_ranks_survive_the_perturbation(db):
    con, _ = db
    for table, text, key in [("qualifying", "q1", "qualifying_id"), ("results", "fastest_lap_time", "result_id")]:
        times = (
            f"SELECT race_id // {RACE_STEP} AS replica, race_id % {RACE_STEP} AS race, {key} % 100000 AS entry, "
            f"{MS.format(t=text)} AS ms FROM {table} WHERE {text} LIKE '%:%'"
        )
        # A pair of entries of a race ordered one way in the original and the other way in the replica.
        inversions = scalar(
            con,
            f"WITH t AS ({times}) SELECT count(*) FROM t AS a JOIN t AS b ON a.race = b.race AND a.entry < b.entry "
            "AND a.replica = 0 AND b.replica = 0 "
            "JOIN t AS ca ON ca.entry = a.entry AND ca.race = a.race AND ca.replica = 1 "
            "JOIN t AS cb ON cb.entry = b.entry AND cb.race = b.race AND cb.replica = 1 "
            "WHERE (a.ms < b.ms AND ca.ms > cb.ms) OR (a.ms > b.ms AND ca.ms < cb.ms)",
        )
        assert inversions == 0, table


# ---------------------------------------------------------------------------------------------------------
# Determinism, k = 1, CLI, errors


def test_same_seed_gives_identical_files_and_another_seed_other_times(scaled, tmp_path):
    out, _ = scaled
    again = tmp_path / "again"
    generate_scaled(SHIPPED, again, K, SEED)
    names = [t.file_name for t in TABLES]
    match, mismatch, errors = filecmp.cmpfiles(out, again, names, shallow=False)
    assert (sorted(match), mismatch, errors) == (sorted(names), [], [])

    other = tmp_path / "other"
    generate_scaled(SHIPPED, other, K, SEED + 1)
    _, mismatch, _ = filecmp.cmpfiles(out, other, names, shallow=False)
    timed = {"lap_times", "pit_stops", "results", "qualifying", "sprint_results"}
    assert sorted(mismatch) == sorted(f"{name}.csv" for name in timed)
    with open(out / "lap_times.csv") as first, open(other / "lap_times.csv") as second:
        lines = list(zip(first, second, strict=True))
    original, replica = lines[1 : SHIPPED_COUNTS["lap_times"] + 1], lines[SHIPPED_COUNTS["lap_times"] + 1 :]
    assert all(a == b for a, b in original)  # replica 0 is the original whatever the seed
    different = sum(a != b for a, b in replica)
    assert different > 0.9 * len(replica)
    assert all(a.split(",")[:4] == b.split(",")[:4] for a, b in replica)  # same keys and positions


def test_k1_is_the_shipped_data_byte_for_byte_via_the_cli(tmp_path, capsys):
    out = tmp_path / "k1"
    assert cli.main(["--scale", "1", "--seed", "5", "--out", str(out)]) == 0
    assert "lap_times" in capsys.readouterr().out
    for table in TABLES:
        with gzip.open(SHIPPED / f"{table.file_name}.gz", "rb") as shipped:
            assert (out / table.file_name).read_bytes() == shipped.read(), table.name


def test_a_rerun_replaces_stale_files_and_sprint_results_may_be_absent(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for table in TABLES:
        if table.name not in ("sprint_results", "lap_times"):
            shutil.copy(SHIPPED / f"{table.file_name}.gz", source)
    # A small plain lap_times file: plain files are read too.
    with gzip.open(SHIPPED / "lap_times.csv.gz", "rt") as shipped:
        (source / "lap_times.csv").write_text("".join(line for _, line in zip(range(101), shipped, strict=False)))
    out = tmp_path / "out"
    out.mkdir()
    (out / "sprint_results.csv").write_text("stale\n")
    (out / "results.csv.gz").write_bytes(b"stale")
    report = generate_scaled(source, out, 3, 1)
    assert report.rows["lap_times"] == 300 and "sprint_results" not in report.rows
    assert sorted(p.name for p in out.iterdir()) == sorted(t.file_name for t in TABLES if t.name != "sprint_results")


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_k_must_be_a_positive_integer(tmp_path, k):
    with pytest.raises(GenerateError, match="k must be a positive integer"):
        generate_scaled(SHIPPED, tmp_path / "out", k, 1)


def test_source_problems_are_reported(tmp_path):
    with pytest.raises(GenerateError, match="does not exist"):
        generate_scaled(tmp_path / "missing", tmp_path / "out", 2, 1)
    with pytest.raises(GenerateError, match="must differ"):
        generate_scaled(SHIPPED, SHIPPED, 2, 1)
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(SHIPPED / "circuits.csv.gz", source)
    with pytest.raises(GenerateError, match="required file missing: .*constructor_results.csv"):
        generate_scaled(source, tmp_path / "out", 2, 1)
    for table in TABLES:
        shutil.copy(SHIPPED / f"{table.file_name}.gz", source)
    (source / "pit_stops.csv").write_text("raceId,driverId,lap\n1,1,1\n")
    with pytest.raises(GenerateError, match="pit_stops.csv: required column.*stop.*duration"):
        generate_scaled(source, tmp_path / "out", 2, 1)
    assert cli.main(["--scale", "2", "--source", str(tmp_path / "missing"), "--out", str(tmp_path / "x")]) == 1
