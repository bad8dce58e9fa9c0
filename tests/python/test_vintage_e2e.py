"""Other exports end to end: a 2020-style vintage cut in the middle of the season, and the last four seasons only.

The files a user brings may be older or fresher than the shipped ones, or cover fewer seasons.

- The vintage as of round 3 of 2020: no sprint_results.csv, the 8-column races.csv of that time, races later
  in the season listed without results, strings left unquoted. The loader must take it as it is, and the
  retrain job must build every model and pass every test, with the hold-out season falling back to 2020 and
  its three raced rounds.
- An export of 2021-2024 only: the retrain job must build and pass everything; training uses the three seasons
  it has (2023 validates), and the rolling backtest scores the seasons with two seasons before them (2023 and
  2024) instead of failing for lack of history.
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
FIRST, LAST = 2021, 2024  # the recent export


def shipped(name: str) -> str:
    """A shipped file as DuckDB reads it: every column text, `\\N` as null."""
    path = PROJECT_DIR / "data" / "formula1" / f"{name}.csv.gz"
    return f"read_csv('{path}', header = true, nullstr = '\\N', all_varchar = true)"


def write_tables(con, directory, selects: dict[str, str], skip=()) -> None:
    """Each raw table's file, the way old exports were written (unquoted, `\\N`): its query in `selects`, or
    the whole shipped file."""
    for table in TABLES:
        if table.name not in skip:
            query = selects.get(table.name, f"select * from {shipped(table.name)}")
            con.execute(f"copy ({query}) to '{directory / table.file_name}' (header, nullstr '\\N')")


def write_vintage(directory):
    con = duckdb.connect()
    con.execute(f"create table races as select * from {shipped('races')}")
    keep_race = f"raceId in (select raceId from races where {RACED})"
    selects = {
        "races": f"select {', '.join(RACES_2020_HEADER)} from races where year::int <= {SEASON}",
        "seasons": f"select * from {shipped('seasons')} where year::int <= {SEASON}",
    }
    for name in ["results", "lap_times", "pit_stops", "qualifying", "driver_standings", "constructor_standings",
                 "constructor_results"]:  # fmt: skip
        selects[name] = f"select * from {shipped(name)} where {keep_race}"
    write_tables(con, directory, selects, skip=["sprint_results"])  # sprints began in 2021: 2020 files have none


def write_recent_export(directory):
    """The races of FIRST..LAST and their rows; drivers, teams, circuits and status stay whole."""
    con = duckdb.connect()
    con.execute(f"create table races as select * from {shipped('races')} where year::int between {FIRST} and {LAST}")
    selects = {"races": "select * from races",
               "seasons": f"select * from {shipped('seasons')} where year::int between {FIRST} and {LAST}"}  # fmt: skip
    for table in TABLES:
        if "raceId" in con.sql(f"select * from {shipped(table.name)} limit 0").columns and table.name != "races":
            selects[table.name] = f"select * from {shipped(table.name)} where raceId in (select raceId from races)"
    write_tables(con, directory, selects)


def load_and_retrain(root, write):
    """Write the export, load it, run the retrain job on it: (load report, the job's completed process)."""
    (root / "csv").mkdir()
    write(root / "csv")
    report = load_raw(root / "csv", root / "f1.duckdb")
    variables = json.dumps({"model_registry_dir": str(root / "registry")})
    job = subprocess.run(
        [sys.executable, "-m", "f1ml.run_job", "retrain", "--vars", variables],
        cwd=PROJECT_DIR,
        env=dbt_env(root),
        capture_output=True,
        text=True,
    )
    assert job.returncode == 0, job.stdout[-6000:] + job.stderr[-3000:]
    # A version the gate did not promote still serves, with a warning (var require_promoted_model makes it fail).
    problems = unsuccessful(json.loads((root / "target" / "run_results.json").read_text())["results"])
    assert set(problems.items()) <= {("test.formula1_ml.assert_serving_version_is_promoted", "warn")}, problems
    return report, job


def registry_and_backtest(root):
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        registry = con.sql("select hold_out_season, training_first_season, validation_season from ml_model_registry")
        seasons = con.sql(
            "select backtest_season, min(training_first_season), max(training_last_season)"
            " from ml_backtest_predictions group by 1 order by 1"
        )
        return registry.fetchall(), seasons.fetchall()


@pytest.fixture(scope="module")
def vintage_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("vintage_2020")
    report, _ = load_and_retrain(root, write_vintage)
    return root, report


def test_loader_takes_the_old_files_as_they_are(vintage_build):
    _, report = vintage_build
    assert report.rows_rejected == 0
    assert report.table("sprint_results").status == "file absent"
    assert report.table("sprint_results").rows_loaded == 0
    assert "fp1_date" in report.table("races").missing_columns


def test_hold_out_is_the_partial_season(vintage_build):
    root, _ = vintage_build
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        hold_out, rounds, rows = con.sql(
            "select max(race_year), count(distinct race_round), count(*) from apply_prediction_to_position"
        ).fetchall()[0]
    assert (hold_out, rounds) == (SEASON, LAST_ROUND)
    assert rows >= 3 * 19  # every starter of the three raced rounds has a prediction
    registry, _ = registry_and_backtest(root)
    assert registry == [(SEASON, SEASON - 10, SEASON - 1)]
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        # Three races are a partial season: the hold-out figures are kept, flagged, and out of the verdicts.
        assert con.sql("select season, races, is_partial_season from ml_hold_out_evaluation").fetchall() == [
            (SEASON, LAST_ROUND, True)
        ]
        [(seasons, last)] = con.sql(
            "select seasons_scored, training_last_season from ml_backtest where scope = 'all_seasons'"
        ).fetchall()
    assert (seasons, last) == (6, SEASON - 2)  # 2011-2020, less the selection seasons 2012-2014 and partial 2020


def test_an_export_of_four_seasons_trains_and_backtests_on_the_seasons_there_are(tmp_path):
    load_and_retrain(tmp_path, write_recent_export)
    registry, backtest = registry_and_backtest(tmp_path)
    assert registry == [(LAST, FIRST, LAST - 1)]
    assert backtest == [(FIRST + 2, FIRST, FIRST + 1), (LAST, FIRST, LAST - 1)]
