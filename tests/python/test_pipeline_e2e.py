"""End to end on the shipped data: load, the retrain job, the predict jobs.

A copy of the session's scripts/run (conftest: `workspace`, built as a user builds it: f1ml.run_job, the job
definitions dbt Cloud uses); the scheduled job runs once, on a copy of both with a race added. What must never
happen to the registry: test_registry_faults_e2e.py.
"""

import hashlib
import json
import shutil

import duckdb
import joblib
import numpy as np
import pytest
from conftest import PROJECT_DIR, space_in, unsuccessful
from pipeline_space import MODEL, frame, query, run_job, run_results
from sklearn.metrics import accuracy_score, balanced_accuracy_score, brier_score_loss, f1_score, log_loss

from f1ml import model_report
from f1ml.dev import model_docs
from f1ml.ml.engine import one_blas_thread
from f1ml.ml.pipeline import canonical_rows, exact_pipeline
from f1ml.ml.race import coherent_probabilities, race_calls
from f1ml.ml.spec import FEATURES, LABEL, SOLVER_AGREEMENT

# --- the retrain job -----------------------------------------------------------------------------------------


def test_retrain_job_builds_every_model_and_runs_every_test(workspace):
    results = workspace["retrain_results"]
    assert not unsuccessful(results)
    manifest = json.loads((workspace["target"] / "manifest.json").read_text())
    project_nodes = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "test")}
    project_nodes |= set(manifest["unit_tests"])
    assert project_nodes == {
        r["unique_id"] for r in results if r["unique_id"].split(".")[0] not in ("seed", "exposure", "operation")
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


def test_hold_out_metrics_equal_scikit_learns_on_the_same_rows(workspace):
    scored = frame(workspace, "select * from apply_prediction_to_position where race_status = 'run'")
    [evaluation] = frame(workspace, "select * from ml_hold_out_evaluation").to_dict("records")
    labels = scored[LABEL]
    for who, called in (("model", "predicted_position_label"), ("grid_rule", "grid_baseline_label")):
        assert evaluation[f"{who}_accuracy"] == pytest.approx(accuracy_score(labels, scored[called]))
        assert evaluation[f"{who}_balanced_accuracy"] == pytest.approx(balanced_accuracy_score(labels, scored[called]))
        assert evaluation[f"{who}_macro_f1"] == pytest.approx(f1_score(labels, scored[called], average="macro"))
    for who, prefix in (("model", "prob"), ("frequency", "frequency_prob"), ("uncoupled", "uncoupled_prob")):
        probabilities = scored[[f"{prefix}_podium", f"{prefix}_points", f"{prefix}_no_points"]].to_numpy()
        assert evaluation[f"{who}_log_loss"] == pytest.approx(log_loss(labels, probabilities, labels=[1, 2, 3]))
        brier = sum(brier_score_loss(labels == c, probabilities[:, c - 1]) for c in (1, 2, 3))
        assert evaluation[f"{who}_brier_score"] == pytest.approx(brier)
    assert evaluation["season"] == scored["race_year"].max() and evaluation["races"] == scored["race_id"].nunique()


def test_one_scoring_pass_gives_the_models_probabilities_and_the_race_step_shapes_them(workspace):
    """The UDF's array, split into columns, is the artifact's predict_proba; the published probabilities and
    calls are the race step applied to them."""
    pipeline = joblib.load(workspace["registry"] / MODEL / "v0001" / "model.joblib")
    to_predict = frame(workspace, "select * from hold_out_dataset_for_prediction order by driver_race_id")
    scored = frame(workspace, "select * from apply_prediction_to_position order by driver_race_id")
    assert scored["driver_race_id"].tolist() == to_predict["driver_race_id"].tolist()
    expected = pipeline.predict_proba(to_predict[FEATURES])
    columns = ["uncoupled_prob_podium", "uncoupled_prob_points", "uncoupled_prob_no_points"]
    assert np.abs(scored[columns].to_numpy() - expected).max() <= 1e-12
    coherent, _ = coherent_probabilities(expected, scored["race_id"], scored["driver_id"])
    assert np.abs(scored[["prob_podium", "prob_points", "prob_no_points"]].to_numpy() - coherent).max() <= 1e-12
    calls = race_calls(coherent, scored["race_id"], scored["driver_id"])
    assert scored["predicted_position_label"].tolist() == calls.tolist()


def test_the_backtest_forecasts_the_hold_out_season_exactly_as_the_serving_version(workspace):
    """v0001 was trained for hold-out 2024 on 2014-2023; the backtest's 2024 used the same window, features and
    settings and publishes as serving does: the same probabilities and calls, row for row."""
    [(season, first)] = query(workspace, "select hold_out_season, training_first_season from ml_model_registry")
    served = frame(workspace, "select * from apply_prediction_to_position where race_status = 'run'")
    backtest = frame(workspace, f"select * from ml_backtest_predictions where backtest_season = {season}")
    assert backtest["training_first_season"].iloc[0] == first and len(backtest) == len(served) > 400
    joined = served.merge(backtest, on="driver_race_id", suffixes=("", "_backtest"))
    for column in ["uncoupled_prob_podium", "prob_podium", "prob_points", "frequency_prob_podium"]:
        assert np.abs(joined[column] - joined[f"{column}_backtest"]).max() <= 1e-12, column
    assert (joined["predicted_position_label"] == joined["predicted_position_label_backtest"]).all()


def test_the_served_model_is_within_the_stated_tolerance_of_an_exact_solve(workspace):
    """The solver's tolerance (spec.SOLVER_TOLERANCE) keeps probabilities within SOLVER_AGREEMENT of the same
    model solved exactly, on the shipped data, with one BLAS thread or two, and changes no call."""
    served = joblib.load(workspace["registry"] / MODEL / "v0001" / "model.joblib")
    training_rows = canonical_rows(frame(workspace, "select * from training_testing_dataset"))
    rows = frame(workspace, "select * from hold_out_dataset_for_prediction order by driver_race_id")
    with one_blas_thread():
        exact = exact_pipeline().fit(training_rows[FEATURES], training_rows[LABEL]).predict_proba(rows[FEATURES])
    served_probabilities = served.predict_proba(rows[FEATURES])
    assert np.abs(served_probabilities - exact).max() <= SOLVER_AGREEMENT
    calls = [race_calls(coherent_probabilities(p, rows["race_id"], rows["driver_id"])[0], rows["race_id"],
                        rows["driver_id"]) for p in (served_probabilities, exact)]  # fmt: skip
    assert calls[0].tolist() == calls[1].tolist()
    two_threads = type(served)(served.steps).fit(training_rows[FEATURES], training_rows[LABEL])
    assert np.abs(two_threads.predict_proba(rows[FEATURES]) - exact).max() <= SOLVER_AGREEMENT


def test_readme_and_model_card_hold_what_a_fresh_run_reports(workspace):
    with duckdb.connect(str(workspace["database"]), read_only=True) as con:
        readme = model_report.readme_section(con)
        card = model_docs.model_card_section(con, str(workspace["database"]))
    assert readme in (PROJECT_DIR / "README.md").read_text(), f"README.md must contain, verbatim:\n{readme}"
    assert card in (PROJECT_DIR / "docs/model_card.md").read_text(), f"the model card must contain:\n{card}"


# --- the scheduled job ---------------------------------------------------------------------------------------


def copy_rows(con, table: str, where: str, changes: dict[str, str]) -> None:
    """Insert copies of raw.<table>'s rows matching `where`, with some columns replaced by expressions."""
    columns = [name for (name,) in con.sql(f"select column_name from (describe raw.{table})").fetchall()]
    assert set(changes) <= set(columns), f"raw.{table} has no column {sorted(set(changes) - set(columns))}"
    selected = ", ".join(changes.get(column, column) for column in columns)
    con.execute(f"insert into raw.{table} select {selected} from raw.{table} where {where}")


@pytest.fixture(scope="module")
def scheduled(workspace, tmp_path_factory):
    """The scheduled (predict) job, once, on a copy of the build with one race added to its raw data: a race
    after the last one run, with that race's entrants, results and qualifying (one job serves both tests below:
    each scheduled job took 26 s of the suite)."""
    root = tmp_path_factory.mktemp("scheduled")
    shutil.copy(workspace["database"], root / "f1.duckdb")
    shutil.copytree(workspace["registry"], root / "registry")
    space = space_in(root)
    with duckdb.connect(str(space["database"])) as con:
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
    run_job("predict", space)
    return {**space, "new_race": new, "year": year, "rounds": rounds}


def test_predict_job_trains_nothing_and_uses_the_registered_version(scheduled):
    assert sorted(p.name for p in (scheduled["registry"] / MODEL).iterdir()) == ["v0001"]
    built = {r["unique_id"].split(".")[-1] for r in run_results(scheduled) if r["unique_id"].startswith("model.")}
    assert not {"train_model_to_predict_position", "ml_backtest_predictions", "ml_backtest"} & built
    assert {"mrt_results", "ml_data_prep", "apply_prediction_to_position"} <= built
    assert query(scheduled, "select distinct model_version from apply_prediction_to_position") == [("v0001",)]


def test_scheduled_predict_job_picks_up_a_new_race(scheduled):
    """A race added to the raw data reaches the predictions with the schedule alone (no retrain)."""
    new_race = scheduled["new_race"]
    [(rows, version)] = query(
        scheduled, f"select count(*), min(model_version) from apply_prediction_to_position where race_id = {new_race}"
    )
    assert rows >= 18 and version == "v0001"
    assert query(
        scheduled, f"select max(race_round) from apply_prediction_to_position where race_year = {scheduled['year']}"
    ) == [(scheduled["rounds"] + 1,)]
