"""Another vintage end to end: 2020-style files, cut in the middle of the season.

The files a user brings may be older or fresher than the shipped ones. This test writes a vintage as of
round 3 of 2020: no sprint_results.csv, the 8-column races.csv of that time, races later in the season listed
without results, strings left unquoted. The loader must take it as it is, and the retrain job must build every
model and pass every test, with the hold-out season falling back to 2020 and its three raced rounds.
"""

import json
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_DIR, dbt_env, unsuccessful

from f1ml.raw.load import load_raw
from f1ml.raw.tables import TABLES

SEASON, LAST_ROUND = 2020, 3
RACES_2020_HEADER = ["raceId", "year", "round", "circuitId", "name", "date", "time", "url"]
RACED = f"(year::int < {SEASON} or (year::int = {SEASON} and round::int <= {LAST_ROUND}))"


def write_vintage(directory):
    """The shipped data as a 2020 mid-season vintage, written the way such files were (unquoted, \\N)."""
    con = duckdb.connect()
    shipped = PROJECT_DIR / "data" / "formula1"

    def read(name):
        return f"read_csv('{shipped / name}.csv.gz', header = true, nullstr = '\\N', all_varchar = true)"

    con.execute(f"create table races as select * from {read('races')}")
    keep_race = f"raceId in (select raceId from races where {RACED})"
    selects = {
        "races": f"select {', '.join(RACES_2020_HEADER)} from races where year::int <= {SEASON}",
        "seasons": f"select * from {read('seasons')} where year::int <= {SEASON}",
    }
    for name in ["results", "lap_times", "pit_stops", "qualifying", "driver_standings", "constructor_standings",
                 "constructor_results"]:  # fmt: skip
        selects[name] = f"select * from {read(name)} where {keep_race}"
    for table in TABLES:
        if table.name == "sprint_results":
            continue  # sprints began in 2021: 2020 files have none
        query = selects.get(table.name, f"select * from {read(table.name)}")
        con.execute(f"copy ({query}) to '{directory / table.file_name}' (header, nullstr '\\N')")


@pytest.fixture(scope="module")
def vintage_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("vintage_2020")
    (root / "csv").mkdir()
    write_vintage(root / "csv")
    report = load_raw(root / "csv", root / "f1.duckdb")
    env = dbt_env(root)
    variables = json.dumps({"model_registry_dir": str(root / "registry")})
    job = subprocess.run(
        [sys.executable, "-m", "f1ml.run_job", "retrain", "--vars", variables],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    return root, report, job


def test_loader_takes_the_old_files_as_they_are(vintage_build):
    _, report, _ = vintage_build
    assert report.rows_rejected == 0
    assert report.table("sprint_results").status == "file absent"
    assert report.table("sprint_results").rows_loaded == 0
    assert "fp1_date" in report.table("races").missing_columns


def test_retrain_job_builds_and_tests_everything_on_the_old_vintage(vintage_build):
    root, _, job = vintage_build
    assert job.returncode == 0, job.stdout[-6000:] + job.stderr[-3000:]
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    assert not unsuccessful(results)


def test_hold_out_is_the_partial_season(vintage_build):
    root, _, _ = vintage_build
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        hold_out, rounds, rows = con.sql(
            "select max(race_year), count(distinct race_round), count(*) from apply_prediction_to_position"
        ).fetchall()[0]
        registry = con.sql("select hold_out_season, training_first_season, validation_season from ml_model_registry")
        assert registry.fetchall() == [(SEASON, SEASON - 10, SEASON - 1)]
    assert (hold_out, rounds) == (SEASON, LAST_ROUND)
    assert rows >= 3 * 19  # every starter of the three raced rounds has a prediction
