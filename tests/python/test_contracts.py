"""A null where a contract says NOT NULL fails the build, on DuckDB and on Snowflake (emulated by fakesnow).

Core and mart tables enforce contracts (dbt_project.yml): their columns' `not_null` are constraints of the
table DDL, not test nodes (docs/decisions.md, 27). The proof: the shipped data plus one status row whose text is
null (`\\N`), then `dbt run --select stg_status dim_status`, once on DuckDB (the raw tables loaded by the
profile's plugin from that data) and once on fakesnow (tests/python/fakesnow_build.py, which loads the same
data). `dim_status.status` is NOT NULL in the contract, and no test runs (`dbt run`), so only the constraint can
fail the table: on both engines its build fails, naming the violation, and leaves no table with the null.

fakesnow 0.12.1 drops the NOT NULL of `create table t (<columns>) as select ...` (the DDL dbt-snowflake sends for
a contracted table); the helper puts it back (keep_not_null_in_ctas), so this also checks, from the compiled
DDL, that dbt-snowflake sends the constraint.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR

HELPER = Path(__file__).with_name("fakesnow_build.py")
FAKESNOW_PROFILE = Path(__file__).with_name("fakesnow_profile")  # the test-only fakesnow target
SELECT = ["--select", "stg_status", "dim_status"]
NULL_STATUS_ROW = "999999,\\N\n"  # status text null (the \N marker of the Ergast files)


def data_with_a_null_status(destination: Path) -> Path:
    shutil.copytree(PROJECT_DIR / "data" / "formula1", destination)
    status = destination / "status.csv.gz"
    text = gzip.decompress(status.read_bytes()).decode()
    status.write_bytes(gzip.compress((text.rstrip("\n") + "\n" + NULL_STATUS_ROW).encode()))
    return destination


def start(command: list[str], out: Path, env: dict, profiles: Path) -> subprocess.Popen:
    out.mkdir(parents=True)
    paths = ["--target-path", str(out / "target"), "--log-path", str(out / "logs"), "--profiles-dir", str(profiles)]
    with (out / "output.txt").open("w") as log:
        return subprocess.Popen([*command, *paths], cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contracts")
    data = data_with_a_null_status(tmp / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_") and k != "DBT_TARGET"}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", F1_RAW_SOURCE=str(data), F1_DUCKDB_PATH=str(tmp / "f1.duckdb"))
    fakesnow_run = [sys.executable, str(HELPER), "--data-dir", str(data), "--", "run", "--target", "fakesnow"]
    fakesnow_run += ["--vars", "{raw_database: analytics}", *SELECT]
    duckdb_run = [sys.executable, "-m", "dbt.cli.main", "run", "--target", "duckdb", *SELECT]
    started = {
        "duckdb": start(duckdb_run, tmp / "duckdb", env, PROJECT_DIR),
        "fakesnow": start(fakesnow_run, tmp / "fakesnow", env, FAKESNOW_PROFILE),
    }
    for process in started.values():
        process.wait(timeout=600)
    yield {"tmp": tmp, **{name: tmp / name for name in started}}


def results(out: Path) -> dict[str, dict]:
    path = out / "target" / "run_results.json"
    assert path.exists(), (out / "output.txt").read_text()[-5000:]
    return {r["unique_id"].split(".")[-1]: r for r in json.loads(path.read_text())["results"]}


def test_a_null_fails_the_contracted_table_on_duckdb(runs):
    found = results(runs["duckdb"])
    assert found["stg_status"]["status"] == "success"
    assert found["dim_status"]["status"] == "error"
    assert "NOT NULL constraint failed" in found["dim_status"]["message"], found["dim_status"]["message"]
    with duckdb.connect(str(runs["tmp"] / "f1.duckdb"), read_only=True) as con:
        # the null reached the raw table and the view; the table was never created
        assert con.execute("select count(*) from raw.status where status is null").fetchone() == (1,)
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'dim_status'").fetchone() == (0,)


def test_a_null_fails_the_contracted_table_on_snowflake_emulated(runs):
    found = results(runs["fakesnow"])
    assert found["stg_status"]["status"] == "success"
    assert found["dim_status"]["status"] == "error"
    assert "NULL result in a non-nullable column" in found["dim_status"]["message"], found["dim_status"]["message"]
    ddl = (runs["fakesnow"] / "target" / "run" / "formula1_ml" / "models" / "core" / "dim_status.sql").read_text()
    assert "status varchar not null" in " ".join(ddl.split()), ddl
