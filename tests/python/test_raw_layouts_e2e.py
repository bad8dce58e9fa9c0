"""The newest season rewritten as the 2025 export writes it (ragged races, numbered retirements, unranked
standings), built by plain `dbt build`.

The shipped files, with the rows of the newest season (2024) changed:
1. races.csv keeps its 18-column header, but those races stop after url (8 fields, unquoted);
2. results.csv and sprint_results.csv give every result that is not classified (R, D, W, ...) a number in
   position: its place in the result list, as the 2025 export does;
3. driver_standings.csv and constructor_standings.csv list the standings after round 1 without points as
   unranked: empty position, positionText '-'.
Then `dbt build` on a fresh database, with no load step before it (6): dbt loads these files itself, and every
model and test must pass with the positions, DNF flags and model labels of the original files.
"""

import csv
import gzip
import json
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_DIR, dbt_env, unsuccessful

SHIPPED = PROJECT_DIR / "data" / "formula1"
SEASON = "2024"
RACE_FIELDS = 8  # raceId,year,round,circuitId,name,date,time,url


def finishing_label(position: int | None) -> int:
    """The model's label as documented (README, "The model"): 1 podium, 2 points, 3 no points or not classified."""
    if position is not None and 1 <= position <= 3:
        return 1
    return 2 if position is not None and 4 <= position <= 10 else 3


def read_shipped(table: str) -> tuple[list[str], list[list[str]]]:
    with gzip.open(SHIPPED / f"{table}.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write(directory, table: str, header: list[str], rows: list[list[str]]) -> None:
    """Plain CSV, quoted only where needed, in place of the copied NAME.csv.gz (two copies of a table are an
    error)."""
    (directory / f"{table}.csv.gz").unlink(missing_ok=True)
    with (directory / f"{table}.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_2025_layout(directory) -> dict:
    """The rewritten files in `directory`; returns what was changed, for the checks."""
    for path in SHIPPED.glob("*.csv.gz"):
        shutil.copy(path, directory / path.name)
    header, races = read_shipped("races")
    season_races = {row[0] for row in races if row[1] == SEASON}
    first_round = next(row[0] for row in races if row[1] == SEASON and row[2] == "1")
    write(directory, "races", header, [row[:RACE_FIELDS] if row[0] in season_races else row for row in races])

    renumbered = {}
    for table in ("results", "sprint_results"):
        header, rows = read_shipped(table)
        column = {name: i for i, name in enumerate(header)}
        for row in rows:
            if row[column["raceId"]] in season_races and not row[column["positionText"]].isdigit():
                row[column["position"]] = row[column["positionOrder"]]
                renumbered[table] = renumbered.get(table, 0) + 1
        write(directory, table, header, rows)

    unranked = {}
    for table in ("driver_standings", "constructor_standings"):
        header, rows = read_shipped(table)
        column = {name: i for i, name in enumerate(header)}
        for row in rows:
            if row[column["raceId"]] == first_round and float(row[column["points"]]) == 0:
                row[column["position"]], row[column["positionText"]] = "", "-"
                unranked[table] = unranked.get(table, 0) + 1
        write(directory, table, header, rows)
    return {"season_races": len(season_races), "renumbered": renumbered, "unranked": unranked}


def dbt(command: list[str], root, source) -> subprocess.CompletedProcess:
    env = dbt_env(root, F1_RAW_SOURCE=str(source))
    variables = json.dumps({"model_registry_dir": str(root / "registry")})
    return subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *command, "--vars", variables],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout_2025")
    (root / "csv").mkdir()
    changed = write_2025_layout(root / "csv")
    assert changed["renumbered"]["results"] > 0 and changed["unranked"]["driver_standings"] > 0
    job = dbt(["build"], root, root / "csv")
    return root, changed, job


def query(root, sql: str) -> list[tuple]:
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def original(sql: str) -> list[tuple]:
    """A query over the shipped files (view per table: <name>)."""
    with duckdb.connect() as con:
        for table in ("races", "results", "sprint_results"):
            path = SHIPPED / f"{table}.csv.gz"
            con.execute(f"create view {table} as select * from read_csv('{path}', header = true, nullstr = '\\N')")
        return con.execute(sql).fetchall()


def test_plain_dbt_build_loads_the_files_first_and_passes_everything(build):
    root, changed, job = build
    assert job.returncode == 0, job.stdout[-6000:] + job.stderr[-3000:]
    assert job.stdout.count("raw tables were absent: loaded them first") == 1
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    assert not unsuccessful(results)
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    assert {r["unique_id"] for r in results if r["unique_id"].startswith("unit_test.")} == set(manifest["unit_tests"])
    audit = query(root, "select table_name, rows_padded, rows_rejected from raw.load_audit where rows_padded > 0")
    assert audit == [("races", changed["season_races"], 0)]
    assert query(root, "select sum(rows_rejected), sum(warning_count) from raw.load_audit") == [(0, 0)]


def test_ragged_races_load_with_null_session_times(build):
    root, changed, _ = build
    rows = query(root, f"select count(*), count(fp1_date), count(url) from raw.races where year = {SEASON}")
    assert rows == [(changed["season_races"], 0, changed["season_races"])]
    # the sprint weekends of that season are still known, from their sprint results
    sprints = query(root, f"select race_id from dim_races where race_year = {SEASON} and is_sprint_weekend order by 1")
    expected = original(f"select raceId from races where year = {SEASON} and sprint_date is not null order by 1")
    assert sprints == expected and len(expected) == 6


def test_positions_and_dnf_flags_are_those_of_the_original_files(build):
    root, _, _ = build
    sql = f"select result_id, position, is_dnf from mrt_results where race_year = {SEASON} order by 1"
    expected = original(
        "select resultId, position::int, position is null from results "
        f"where raceId in (select raceId from races where year = {SEASON}) order by 1"
    )
    assert query(root, sql) == expected
    assert any(is_dnf for _, _, is_dnf in expected)
    sprint = query(root, "select sprint_result_id, position from fct_sprint_results order by 1")
    assert sprint == original("select resultId, position::int from sprint_results order by 1")


def test_model_labels_are_those_of_the_original_files(build):
    root, _, _ = build
    labels = query(root, "select race_id, driver_id, position_label from apply_prediction_to_position order by 1, 2")
    positions = original(
        "select raceId, driverId, min(position)::int from results "
        f"where raceId in (select raceId from races where year = {SEASON}) group by 1, 2 order by 1, 2"
    )
    assert labels == [(race, driver, finishing_label(position)) for race, driver, position in positions]
    assert {label for *_, label in labels} == {1, 2, 3}


def test_unranked_standings_have_no_position(build):
    root, changed, _ = build
    for table, count in changed["unranked"].items():
        rows = query(root, f"select count(*) from fct_{table} where championship_position is null")
        assert rows == [(count,)], table


def test_a_failed_load_stops_dbt_with_one_message_naming_the_file(tmp_path):
    source = tmp_path / "csv"
    source.mkdir()
    for path in SHIPPED.glob("*.csv.gz"):
        if path.name != "results.csv.gz":
            shutil.copy(path, source / path.name)
    job = dbt(["run", "--select", "stg_status"], tmp_path, source)
    output = job.stdout + job.stderr
    assert job.returncode != 0
    assert output.count("required file missing: results.csv") == 1, output[-3000:]
    assert "START" not in output  # no node ran
    assert query(tmp_path, "select count(*) from information_schema.schemata where schema_name = 'raw'") == [(0,)]
