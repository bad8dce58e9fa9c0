"""An export of the last few seasons only, end to end.

Users often export only recent seasons. With the four seasons 2021-2024 the retrain job must build every model
and pass every test: training uses the three seasons it has (2023 validates), and the rolling backtest scores
the seasons that have two seasons before them (2023 and 2024) instead of failing for lack of history.
"""

import json
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_DIR, dbt_env, unsuccessful

from f1ml.raw.load import load_raw
from f1ml.raw.tables import TABLES

FIRST, LAST = 2021, 2024


def write_recent_export(directory):
    """The shipped data cut to the races of FIRST..LAST (drivers, teams, circuits and status stay whole)."""
    con = duckdb.connect()
    shipped = PROJECT_DIR / "data" / "formula1"

    def read(name):
        return f"read_csv('{shipped / name}.csv.gz', header = true, nullstr = '\\N', all_varchar = true)"

    con.execute(f"create table races as select * from {read('races')} where year::int between {FIRST} and {LAST}")
    for table in TABLES:
        query = f"select * from {read(table.name)}"
        if table.name == "races":
            query = "select * from races"
        elif table.name == "seasons":
            query += f" where year::int between {FIRST} and {LAST}"
        elif "raceId" in con.sql(f"select * from {read(table.name)} limit 0").columns:
            query += " where raceId in (select raceId from races)"
        con.execute(f"copy ({query}) to '{directory / table.file_name}' (header, nullstr '\\N')")


@pytest.fixture(scope="module")
def recent_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("recent_export")
    (root / "csv").mkdir()
    write_recent_export(root / "csv")
    load_raw(root / "csv", root / "f1.duckdb")
    env = dbt_env(root)
    variables = json.dumps({"model_registry_dir": str(root / "registry")})
    job = subprocess.run(
        [sys.executable, "-m", "f1ml.run_job", "retrain", "--vars", variables],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    return root, job


def test_retrain_job_builds_and_tests_everything_on_four_seasons(recent_build):
    root, job = recent_build
    assert job.returncode == 0, job.stdout[-6000:] + job.stderr[-3000:]
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    assert not unsuccessful(results)


def test_training_and_backtest_use_the_seasons_there_are(recent_build):
    root, _ = recent_build
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        registry = con.sql("select hold_out_season, training_first_season, validation_season from ml_model_registry")
        assert registry.fetchall() == [(LAST, FIRST, LAST - 1)]
        seasons = con.sql(
            "select backtest_season, min(training_first_season), max(training_last_season)"
            " from ml_backtest_predictions group by 1 order by 1"
        ).fetchall()
        assert seasons == [(FIRST + 2, FIRST, FIRST + 1), (LAST, FIRST, LAST - 1)]
        summary = con.sql("select seasons_scored from ml_backtest where scope = 'all_seasons'").fetchall()
        assert summary == [(2,)]
