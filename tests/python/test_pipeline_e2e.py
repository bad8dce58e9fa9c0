"""End to end on the shipped data: load, the retrain job, the predict job, and what must never happen.

One temporary database and model registry for the module, built as a user builds them (f1ml.run_job,
the job definitions dbt Cloud uses). Tests that change the store or the ledger work on copies of both.
"""

import hashlib
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import duckdb
import joblib
import numpy as np
import pytest
from conftest import PROJECT_DIR, dbt_env, load_model_file, unsuccessful

train = load_model_file("models/ml/training_and_prediction/train_model_to_predict_position.py")
from f1ml import model_report  # noqa: E402

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


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    space = {"root": root, "env": dbt_env(root), "database": root / "f1.duckdb", "registry": root / "registry",
             "target": root / "target"}  # fmt: skip
    run([sys.executable, "-m", "f1ml.load_raw", "--database", str(space["database"])], space["env"])
    space["retrain"] = run_job("retrain", space)
    space["retrain_results"] = run_results(space)
    return space


@pytest.fixture
def copy(workspace, tmp_path):
    """A copy of the built database and of the model store, for tests that change them."""
    shutil.copy(workspace["database"], tmp_path / "f1.duckdb")
    shutil.copytree(workspace["registry"], tmp_path / "registry")
    return {"root": tmp_path, "env": dbt_env(tmp_path), "database": tmp_path / "f1.duckdb",
            "registry": tmp_path / "registry", "target": tmp_path / "target"}  # fmt: skip


# --- the retrain job -----------------------------------------------------------------------------------------


def test_retrain_job_builds_every_model_and_runs_every_test(workspace):
    results = workspace["retrain_results"]
    assert not unsuccessful(results)
    manifest = json.loads((workspace["target"] / "manifest.json").read_text())
    project_nodes = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "test")}
    project_nodes |= set(manifest["unit_tests"])
    assert project_nodes == {
        r["unique_id"] for r in results if r["unique_id"].split(".")[0] not in ("seed", "exposure")
    }


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


def test_retrain_registers_one_promoted_version_recorded_in_the_ledger(workspace):
    assert query(workspace, "select model_version, status, is_promoted, is_serving from ml_model_registry") == [
        ("v0001", "ready", True, True)
    ]
    [(sha256, metadata_json)] = query(
        workspace, "select artifact_sha256, metadata_json from train_model_to_predict_position"
    )
    artifact = (workspace["registry"] / MODEL / "v0001" / "model.joblib").read_bytes()
    assert hashlib.sha256(artifact).hexdigest() == sha256 == json.loads(metadata_json)["artifact_sha256"]
    assert query(workspace, "select distinct model_version, is_promoted from apply_prediction_to_position") == [
        ("v0001", True)
    ]


def test_sql_hold_out_metrics_equal_scikit_learn(workspace):
    rows = query(
        workspace,
        "select position_label, predicted_position_label, grid_baseline_label, prob_podium, prob_points, "
        "prob_no_points from apply_prediction_to_position",
    )
    actual, model, baseline = ([row[i] for row in rows] for i in range(3))
    probabilities = np.array([row[3:] for row in rows])
    columns = "predictor, balanced_accuracy, macro_f1, accuracy, log_loss, brier_score"
    evaluation = {row[0]: row[1:] for row in query(workspace, f"select {columns} from ml_hold_out_evaluation")}
    for predictor, predicted in (("model", model), ("grid_baseline", baseline)):
        expected = train.classification_metrics(actual, predicted)
        assert evaluation[predictor][:3] == pytest.approx(
            (expected["balanced_accuracy"], expected["macro_f1"], expected["accuracy"])
        )
    expected = train.probability_metrics(actual, probabilities)
    assert evaluation["model"][3:] == pytest.approx((expected["log_loss"], expected["brier_score"]))
    assert evaluation["grid_baseline"][3:] == (None, None)


def test_one_scoring_pass_equals_one_predict_proba_call_per_class(workspace):
    """The UDF's array, split into columns by SQL, is what three separate per-class calls would give."""
    pipeline = joblib.load(workspace["registry"] / MODEL / "v0001" / "model.joblib")
    with duckdb.connect(str(workspace["database"]), read_only=True) as con:
        hold_out = con.sql("select * from hold_out_dataset_for_prediction order by driver_race_id").df()
        scored = con.sql("select * from apply_prediction_to_position order by driver_race_id").df()
    assert scored["driver_race_id"].tolist() == hold_out["driver_race_id"].tolist()
    for index, column in enumerate(["prob_podium", "prob_points", "prob_no_points"]):
        one_class = pipeline.predict_proba(hold_out[train.FEATURES])[:, index]
        assert np.abs(scored[column].to_numpy() - one_class).max() <= 1e-12


def test_the_backtest_trains_the_hold_out_season_exactly_as_the_retrain_job(workspace):
    """v0001 was trained for hold-out 2024 on 2014-2023; the backtest's row for 2024 used the same window,
    features and settings, so it scores the hold-out season exactly as the serving version does."""
    [(season, first)] = query(workspace, "select hold_out_season, training_first_season from ml_model_registry")
    [backtest] = query(
        workspace,
        "select training_first_season, model_balanced_accuracy, model_log_loss from ml_backtest "
        f"where backtest_season = {season}",
    )
    [hold_out] = query(
        workspace, "select balanced_accuracy, log_loss from ml_hold_out_evaluation where predictor = 'model'"
    )
    assert backtest[0] == first
    assert backtest[1:] == pytest.approx(hold_out, abs=1e-9)


def test_readme_and_model_card_hold_what_a_fresh_run_reports(workspace):
    with duckdb.connect(str(workspace["database"]), read_only=True) as con:
        readme = model_report.readme_section(con)
        card = model_report.model_card_section(con, str(workspace["database"]))
    assert readme in (PROJECT_DIR / "README.md").read_text(), f"README.md must contain, verbatim:\n{readme}"
    assert card in (PROJECT_DIR / "docs/model_card.md").read_text(), f"the model card must contain:\n{card}"


# --- the predict jobs ------------------------------------------------------------------------------------------


def test_predict_job_trains_nothing_and_uses_the_registered_version(workspace):
    run_job("predict", workspace)
    assert sorted(p.name for p in (workspace["registry"] / MODEL).iterdir()) == ["v0001"]
    built = {r["unique_id"].split(".")[-1] for r in run_results(workspace) if r["unique_id"].startswith("model.")}
    assert not {"train_model_to_predict_position", "ml_backtest_predictions", "ml_backtest"} & built
    assert {"mrt_results", "ml_data_prep", "apply_prediction_to_position"} <= built
    assert query(workspace, "select distinct model_version from apply_prediction_to_position") == [("v0001",)]


def copy_rows(con, table: str, where: str, changes: dict[str, str]) -> None:
    """Insert copies of raw.<table>'s rows matching `where`, with some columns replaced by expressions."""
    columns = [name for (name,) in con.sql(f"select column_name from (describe raw.{table})").fetchall()]
    assert set(changes) <= set(columns), f"raw.{table} has no column {sorted(set(changes) - set(columns))}"
    selected = ", ".join(changes.get(column, column) for column in columns)
    con.execute(f"insert into raw.{table} select {selected} from raw.{table} where {where}")


def test_scheduled_predict_job_picks_up_a_new_race(copy):
    """A race added to the raw data reaches the predictions with the schedule alone (no retrain)."""
    with duckdb.connect(str(copy["database"])) as con:
        [(race, year, rounds)] = con.sql(
            "select race_id, year, round from raw.races where race_id = (select max(race_id) from raw.results)"
        ).fetchall()
        new = race + 1000
        copy_rows(
            con, "races", f"race_id = {race}", {"race_id": str(new), "round": str(rounds + 1), "date": "date + 7"}
        )
        copy_rows(con, "results", f"race_id = {race}", {"result_id": "result_id + 1000000", "race_id": str(new)})
        copy_rows(
            con, "qualifying", f"race_id = {race}", {"qualifying_id": "qualifying_id + 1000000", "race_id": str(new)}
        )
    run_job("predict", copy)
    [(rows, version)] = query(
        copy, f"select count(*), min(model_version) from apply_prediction_to_position where race_id = {new}"
    )
    assert rows >= 18 and version == "v0001"
    assert query(copy, f"select max(race_round) from apply_prediction_to_position where race_year = {year}") == [
        (rounds + 1,)
    ]


# --- the registry under faults -----------------------------------------------------------------------------------


def test_predict_on_a_fresh_database_asks_for_the_retrain_job(copy):
    with duckdb.connect(str(copy["database"])) as con:
        con.execute("drop table main.train_model_to_predict_position")
    shutil.rmtree(copy["registry"])
    result = dbt(copy, "build", "--select", "tag:predict", check=False)
    assert result.returncode != 0
    assert "Run the retrain job first" in result.stdout + result.stderr


def test_an_artifact_missing_from_the_store_is_explained(copy):
    shutil.rmtree(copy["registry"] / MODEL / "v0001")
    result = dbt(copy, "build", "--select", "tag:predict", check=False)
    assert result.returncode != 0
    assert "No version of the model can serve (v0001 artifact_missing)" in result.stdout + result.stderr


def test_artifact_and_metadata_replaced_together_are_refused(copy):
    """Whoever can write the store can forge a consistent pair; the ledger's hash still refuses it."""
    folder = copy["registry"] / MODEL / "v0001"
    pipeline = joblib.load(folder / "model.joblib")
    pipeline.named_steps["classify"].coef_ *= -1  # a different model: same classes, inverted
    forged = train.serialize(pipeline)
    (folder / "model.joblib").write_bytes(forged)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["artifact_sha256"] = hashlib.sha256(forged).hexdigest()
    (folder / "metadata.json").write_text(json.dumps(metadata))
    result = dbt(copy, "build", "--select", "tag:predict", check=False)
    assert result.returncode != 0
    assert (
        "Refusing to load" in result.stdout + result.stderr and "the ledger recorded" in result.stdout + result.stderr
    )


def test_crash_gate_and_serving(copy):
    """After a crash left v0002 half written, a retrain registers v0003; with an unreachable margin v0003
    is not promoted, so v0001 keeps serving. Without any promoted version the newest serves, flagged and
    warned about; require_promoted_model turns that into an error."""
    (copy["registry"] / MODEL / "v0002").mkdir()
    (copy["registry"] / MODEL / "v0002" / "model.joblib").write_bytes(b"half of a model")
    selection = ["--select", "train_model_to_predict_position", "ml_model_registry", "apply_prediction_to_position"]
    dbt(copy, "build", *selection, promotion_margin=1.0)
    registry = query(copy, "select model_version, status, is_promoted, is_serving from ml_model_registry order by 1")
    assert registry == [
        ("v0001", "ready", True, True), ("v0002", "incomplete", False, False), ("v0003", "ready", False, False)
    ]  # fmt: skip
    assert query(copy, "select distinct model_version, is_promoted from apply_prediction_to_position") == [
        ("v0001", True)
    ]
    [(reason,)] = query(copy, "select promotion_reason from ml_model_registry where model_version = 'v0003'")
    assert reason.startswith("not promoted on 2023") and "needs at least +1.000" in reason

    shutil.rmtree(copy["registry"] / MODEL / "v0001")  # the only promoted version is gone
    dbt(
        copy,
        "build",
        "--select",
        "ml_model_registry",
        "apply_prediction_to_position",
        "assert_serving_version_is_promoted",
    )
    assert query(copy, "select distinct model_version, is_promoted from apply_prediction_to_position") == [
        ("v0003", False)
    ]
    assert status_of(copy, "assert_serving_version_is_promoted") == "warn"
    result = dbt(copy, "build", "--select", "apply_prediction_to_position", check=False, require_promoted_model=True)
    assert result.returncode != 0
    assert "require_promoted_model is true and v0003, the newest version, is not promoted" in result.stdout


def test_concurrent_trainings_on_one_store_register_distinct_complete_versions(copy, tmp_path_factory):
    """Two dbt runs (two databases) train against one store at the same time."""
    other_root = tmp_path_factory.mktemp("second_database")
    shutil.copy(copy["database"], other_root / "f1.duckdb")
    other = {**copy, "root": other_root, "env": dbt_env(other_root), "database": other_root / "f1.duckdb",
             "target": other_root / "target"}  # fmt: skip
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(dbt, space, "run", "--select", "train_model_to_predict_position") for space in (copy, other)
        ]
        for future in runs:
            future.result()
    versions = {space["database"]: query(space, "select max(model_version) from train_model_to_predict_position")[0][0]
                for space in (copy, other)}  # fmt: skip
    assert sorted(versions.values()) == ["v0002", "v0003"]
    for version in versions.values():
        assert {p.name for p in (copy["registry"] / MODEL / version).iterdir()} == {"model.joblib", "metadata.json"}
