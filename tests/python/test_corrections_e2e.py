"""A newer export that corrects old races, loaded into a built database, end to end (issue 16, "Corrections").

The source routinely corrects races years back. Here the shipped data is built by scripts/run, then a
corrected export (tests/python/exports.py: a winner disqualified ten seasons back, the gap strings of a season
in a new format, a deleted result) is loaded with f1-load-raw and the scheduled job, then the retrain job, run
with no --full-refresh. Both must pass every test (assert_fct_results_equals_stg_results among them), the
corrections must reach mrt_results and the features (ml_data_prep), the load and f1-summary must count them,
and the tables must equal those of a database built from scratch on the corrected export.
"""

import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import duckdb
import pytest
from conftest import PROJECT_DIR, dbt_env, unsuccessful
from exports import write_corrected_export

EQUALITY_TEST = "assert_fct_results_equals_stg_results"
COMPARED_TABLES = ["fct_results", "mrt_results", "ml_data_prep"]


def run(space, *command):
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=PROJECT_DIR, env=space.env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return result


def registry(space) -> list[str]:
    return ["--vars", json.dumps({"model_registry_dir": str(space.root / "registry")})]


def run_job(space, job):
    result = run(space, "f1ml.run_job", job, *registry(space))
    return result, json.loads((space.root / "target" / "run_results.json").read_text())["results"]


def query(database, sql):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(sql).fetchall()


def listed(ids) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def snapshot(space):
    """What the corrections should change, read from the database: results by id, and the disqualified
    driver's features at the corrected race and at his next one."""
    fix = space.fix
    results = query(
        space.database,
        "select m.result_id, m.position, m.position_text, m.position_order, m.points, m.status, m.is_dnf, "
        f"f.race_time_or_gap from mrt_results m join fct_results f using (result_id) "
        f"where result_id in ({listed(fix.changed | {fix.deleted})})",
    )
    features = query(
        space.database,
        "select race_id, position_label, driver_podium_rate_10, driver_confidence from ml_data_prep "
        f"where driver_id = {space.winner_driver} and race_date >= (select race_date from dim_races "
        f"where race_id = {fix.race}) order by race_date limit 2",
    )
    return {row[0]: row[1:] for row in results}, features


@pytest.fixture(scope="module")
def corrected(tmp_path_factory, scripts_run):
    """The shipped data built by scripts/run (a copy), then the corrected export loaded and both jobs run."""
    built, result = scripts_run
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    root = tmp_path_factory.mktemp("corrections")
    space = SimpleNamespace(root=root, env=dbt_env(root), database=root / "f1.duckdb")
    shutil.copy(built / "f1.duckdb", space.database)
    shutil.copytree(built / "registry", root / "registry")
    (root / "export").mkdir()
    space.fix = write_corrected_export(root / "export")
    [(space.winner_driver,)] = query(
        space.database, f"select driver_id from fct_results where result_id = {space.fix.disqualified}"
    )
    space.before = snapshot(space)

    space.load = run(space, "f1ml.load_raw", "--source", str(root / "export"), "--database", str(space.database))
    space.predict, space.predict_results = run_job(space, "predict")
    space.retrain, space.retrain_results = run_job(space, "retrain")
    space.summary = run(space, "f1ml.summary", "--database", str(space.database))
    space.after = snapshot(space)
    return space


def test_the_load_and_the_summary_count_the_corrections(corrected):
    fix = corrected.fix
    expected = (
        f"results: {len(fix.changed) + 1} rows ({len(fix.changed)} changed, 1 deleted) in {len(fix.races)} races "
    )
    said = [line for line in corrected.load.stdout.splitlines() if "since the last load" in line]
    assert len(said) == 1 and said[0].startswith(expected), corrected.load.stdout  # only results.csv changed
    assert [line.strip() for line in corrected.summary.stdout.splitlines() if "since the last load" in line] == said
    per_race = query(corrected.database, "select race_id from raw.load_changed_races where table_name = 'results'")
    assert {race for (race,) in per_race} == fix.races


def test_the_scheduled_job_then_the_retrain_job_pass_without_full_refresh(corrected):
    for results in (corrected.predict_results, corrected.retrain_results):
        assert not unsuccessful(results)
        assert any(r["unique_id"].split(".")[2] == EQUALITY_TEST and r["status"] == "pass" for r in results)
    trained = {r["unique_id"].split(".")[-1] for r in corrected.predict_results}
    assert "train_model_to_predict_position" not in trained  # the scheduled job trained nothing


def test_the_corrections_reach_mrt_results(corrected):
    fix = corrected.fix
    (before, _), (after, _) = corrected.before, corrected.after
    assert fix.deleted in before and fix.deleted not in after
    # position, position_text, position_order, points, status, is_dnf, race_time_or_gap
    assert before[fix.disqualified][0] == 1 and after[fix.disqualified][:6] == (
        None, "D", len(fix.reordered) + 1, 0, "Disqualified", True,
    )  # fmt: skip
    for result_id in fix.reordered:
        position, _, order, *_ = before[result_id]
        assert after[result_id][0] == (position - 1 if position is not None else None)
        assert after[result_id][2] == order - 1
    assert all(after[result_id][6] == before[result_id][6] + "s" for result_id in fix.regapped)


def test_the_corrections_reach_the_features(corrected):
    (_, before), (_, after) = corrected.before, corrected.after
    [(race, podium, *_), (next_race, _, podium_rate, confidence)] = before
    assert (race, podium) == (corrected.fix.race, 1)
    assert after[0][:2] == (race, 3)  # the label of the disqualified win: no points
    # his next race's form: one podium fewer and one finish fewer among the races before it
    assert after[1][0] == next_race and after[1][2] < podium_rate and after[1][3] < confidence


def test_the_tables_equal_a_build_from_scratch_of_the_corrected_export(corrected, tmp_path):
    scratch = SimpleNamespace(root=tmp_path, env=dbt_env(tmp_path), database=tmp_path / "f1.duckdb")
    run(scratch, "f1ml.load_raw", "--source", str(corrected.root / "export"), "--database", str(scratch.database))
    selection = [f"+{table}" for table in COMPARED_TABLES]
    run(scratch, "dbt.cli.main", "build", "--select", *selection, "--exclude-resource-type", "test", "unit_test")
    with duckdb.connect() as con:
        con.execute(f"attach '{corrected.database}' as incremental (read_only)")
        con.execute(f"attach '{scratch.database}' as scratch (read_only)")
        for table in COMPARED_TABLES:
            for one, other in (("incremental", "scratch"), ("scratch", "incremental")):
                differing = con.sql(
                    f"select count(*) from (from {one}.main.{table} except all from {other}.main.{table})"
                ).fetchall()
                assert differing == [(0,)], f"{table}: rows in {one} and not in {other}"
