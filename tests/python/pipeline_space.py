"""The dbt, job and query helpers of the end-to-end tests that work on a copy of the session's scripts/run
(conftest's `workspace` and `copy`): test_pipeline_e2e.py and test_registry_faults_e2e.py."""

import json
import subprocess
import sys

import duckdb
from conftest import PROJECT_DIR

MODEL = "driver_position"


def run(command, env, check=True):
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return result


def run_job(job, space, check=True, **variables):
    variables = {"model_registry_dir": str(space["registry"]), **variables}
    return run([sys.executable, "-m", "f1ml.run_job", job, "--vars", json.dumps(variables)], space["env"], check)


def dbt(space, *arguments, check=True, **variables):
    variables = {"model_registry_dir": str(space["registry"]), **variables}
    command = [sys.executable, "-m", "dbt.cli.main", *arguments, "--vars", json.dumps(variables)]
    return run(command, space["env"], check)


def query(space, sql):
    with duckdb.connect(str(space["database"]), read_only=True) as con:
        return con.sql(sql).fetchall()


def run_results(space):
    return json.loads((space["target"] / "run_results.json").read_text())["results"]


def status_of(space, name):
    """The last run's status of the node called `name` (model.project.name, test.project.name[.hash])."""
    return next(r["status"] for r in run_results(space) if r["unique_id"].split(".")[2] == name)


def frame(space, sql):
    with duckdb.connect(str(space["database"]), read_only=True) as con:
        return con.sql(sql).df()
