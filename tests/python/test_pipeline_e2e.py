"""End to end on the shipped data: load, the retrain job, the predict job, and what must never happen.

One temporary database and model registry for the module; each job runs as a user would run it
(scripts/run_job.py, the same job definitions dbt Cloud uses).
"""

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_DIR, load_model_file

train = load_model_file("models/ml/training_and_prediction/train_model_to_predict_position.py")


def run(command, env, check=True):
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return result


def run_job(job, workspace, registry=None, check=True, extra_vars=None):
    variables = {"model_registry_dir": str(registry or workspace["registry"]), **(extra_vars or {})}
    command = [sys.executable, "scripts/run_job.py", job, "--vars", json.dumps(variables)]
    return run(command, workspace["env"], check=check)


def query(workspace, sql):
    with duckdb.connect(str(workspace["database"]), read_only=True) as con:
        return con.sql(sql).fetchall()


def run_results(workspace):
    return json.loads((workspace["target"] / "run_results.json").read_text())["results"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    env = {
        **os.environ,
        "F1_DUCKDB_PATH": str(root / "f1.duckdb"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    space = {"env": env, "database": root / "f1.duckdb", "registry": root / "registry", "target": root / "target"}
    run([sys.executable, "scripts/load_raw.py", "--database", str(space["database"])], env)
    space["retrain"] = run_job("retrain", space)
    space["retrain_results"] = run_results(space)
    return space


def test_retrain_job_builds_every_model_and_passes_every_test(workspace):
    statuses = {(r["unique_id"].split(".")[0], r["status"]) for r in workspace["retrain_results"]}
    # The app's exposure (models/exposures.yml) is a node of the build with nothing to run: "no-op".
    allowed = {
        ("model", "success"),
        ("seed", "success"),
        ("test", "pass"),
        ("unit_test", "pass"),
        ("exposure", "no-op"),
    }
    assert statuses <= allowed
    data_tests = [r for r in workspace["retrain_results"] if r["unique_id"].startswith("test.")]
    assert len(data_tests) >= 67  # the guide's count; we have many more
    models = {
        r["unique_id"].split(".")[-1] for r in workspace["retrain_results"] if r["unique_id"].startswith("model.")
    }
    assert {"mrt_results", "agg_lap_times_moving_avg", "train_model_to_predict_position"} <= models
    assert {"apply_prediction_to_position", "ml_holdout_evaluation", "encoding_mapping"} <= models


def test_every_model_and_column_is_documented(workspace):
    """Each model has a description, and its yml documents exactly the columns it builds, each described."""
    manifest = json.loads((workspace["target"] / "manifest.json").read_text())
    built = {}
    for table, column in query(workspace, "select table_name, column_name from information_schema.columns"):
        built.setdefault(table.lower(), set()).add(column.lower())
    problems = []
    for node in (n for n in manifest["nodes"].values() if n["resource_type"] == "model"):
        documented = {name.lower(): column["description"] for name, column in node["columns"].items()}
        actual = built[node["alias"].lower()]
        if not node["description"].strip():
            problems.append(f"{node['name']}: no description")
        if set(documented) != actual:
            problems.append(
                f"{node['name']}: undocumented {sorted(actual - set(documented))}, "
                f"documented but not built {sorted(set(documented) - actual)}"
            )
        problems += [f"{node['name']}.{name}: no description" for name, text in documented.items() if not text.strip()]
    assert not problems, "\n".join(problems)


def test_retrain_registers_one_version_and_predicts_with_it(workspace):
    assert query(workspace, "select model_version from ml_model_registry") == [("v0001",)]
    assert query(workspace, "select distinct model_version from apply_prediction_to_position") == [("v0001",)]
    assert (workspace["registry"] / "driver_position" / "v0001" / "model.joblib").exists()


def test_sql_hold_out_metrics_equal_scikit_learn(workspace):
    rows = query(
        workspace,
        "select position_label, predicted_position_label, grid_baseline_label from apply_prediction_to_position",
    )
    actual, model, baseline = (list(column) for column in zip(*rows, strict=True))
    evaluation = {
        predictor: (balanced, macro_f1, accuracy)
        for predictor, balanced, macro_f1, accuracy in query(
            workspace, "select predictor, balanced_accuracy, macro_f1, accuracy from ml_holdout_evaluation"
        )
    }
    for predictor, predicted in (("model", model), ("grid_baseline", baseline)):
        expected = train.classification_metrics(actual, predicted)
        assert evaluation[predictor] == pytest.approx(
            (expected["balanced_accuracy"], expected["macro_f1"], expected["accuracy"])
        )


def test_readme_metrics_table_is_what_a_fresh_run_measures(workspace):
    metrics_table = load_model_file("scripts/metrics_table.py")
    with duckdb.connect(str(workspace["database"]), read_only=True) as con:
        table = metrics_table.metrics_table(con)
    assert table in (PROJECT_DIR / "README.md").read_text(), f"README.md must contain, verbatim:\n{table}"


def test_predict_job_trains_nothing_and_uses_the_registered_version(workspace):
    before = sorted(p.name for p in (workspace["registry"] / "driver_position").iterdir())
    run_job("predict", workspace)
    after = sorted(p.name for p in (workspace["registry"] / "driver_position").iterdir())
    assert before == after == ["v0001"]
    built = {r["unique_id"].split(".")[-1] for r in run_results(workspace) if r["unique_id"].startswith("model.")}
    assert "train_model_to_predict_position" not in built
    assert "training_testing_dataset" not in built
    assert "apply_prediction_to_position" in built
    assert query(workspace, "select distinct model_version from apply_prediction_to_position") == [("v0001",)]


def test_incremental_run_equals_full_refresh(workspace):
    columns = "result_id, race_id, driver_id, position, points, status_id"
    full = query(workspace, f"select {columns} from fct_results order by result_id")
    with duckdb.connect(str(workspace["database"])) as con:  # forget the newest race, as if it were new
        con.execute("delete from fct_results where race_id = (select max(race_id) from fct_results)")
    run([sys.executable, "-m", "dbt.cli.main", "run", "--select", "fct_results"], workspace["env"])
    assert query(workspace, f"select {columns} from fct_results order by result_id") == full


def test_predict_without_a_registered_version_asks_for_the_retrain_job(workspace, tmp_path):
    result = run_job("predict", workspace, registry=tmp_path / "empty_registry", check=False)
    assert result.returncode != 0
    assert "Run the retrain job first" in result.stdout + result.stderr


def test_tampered_artifact_is_refused(workspace, tmp_path):
    registry = tmp_path / "registry"
    shutil.copytree(workspace["registry"], registry)
    artifact = registry / "driver_position" / "v0001" / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    result = run_job("predict", workspace, registry=registry, check=False)
    assert result.returncode != 0
    assert "Refusing to load" in result.stdout + result.stderr
