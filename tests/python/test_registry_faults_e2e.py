"""The registry under faults, end to end: a fresh database, a missing or forged artifact, broken metadata, a
crash mid-training, an unreachable gate, two trainings at once, a retrain on unchanged inputs.

Each test works on its own copy (conftest: `copy`) of the session's scripts/run.
"""

import hashlib
import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor

import joblib
import pytest
from conftest import space_in
from pipeline_space import MODEL, dbt, query, run, status_of

from f1ml.ml.training import serialize

# What the retrain job runs to train, register and serve a version.
TRAIN_AND_SERVE = ["train_model_to_predict_position", "ml_model_registry", "apply_prediction_to_position"]


@pytest.mark.parametrize("store", ["absent", "of another database"])
def test_predict_on_a_fresh_database_asks_for_the_retrain_job(copy, store):
    """Only a fresh database and dbt's cautious predict selection: the registry says what to do, even when a
    model store of another database (here, the one built before) sits beside it."""
    copy["database"].unlink()
    run([sys.executable, "-m", "f1ml.load_raw", "--database", str(copy["database"])], copy["env"])
    if store == "absent":
        shutil.rmtree(copy["registry"])
    result = dbt(copy, "build", "--select", "tag:predict", check=False)
    assert result.returncode != 0
    assert "Run the retrain job first" in result.stdout + result.stderr
    if store != "absent":
        assert "holds v0001, trained against another database" in result.stdout


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
    forged = serialize(pipeline)
    (folder / "model.joblib").write_bytes(forged)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["artifact_sha256"] = hashlib.sha256(forged).hexdigest()
    (folder / "metadata.json").write_text(json.dumps(metadata))
    assert query(copy, "select count(*) from apply_prediction_to_position")[0][0] > 400
    result = dbt(copy, "build", "--select", "tag:predict", check=False)
    assert result.returncode != 0
    assert (
        "Refusing to load" in result.stdout + result.stderr and "the ledger recorded" in result.stdout + result.stderr
    )
    # The refused prediction leaves nothing that passes for a current forecast.
    assert query(copy, "select count(*) from apply_prediction_to_position") == [(0,)]


def test_a_broken_metadata_json_of_the_serving_version_is_flagged_and_the_ledgers_copy_serves(copy):
    (copy["registry"] / MODEL / "v0001" / "metadata.json").write_text("")
    dbt(copy, "build", "--select", "tag:predict")
    [(check,)] = query(copy, "select store_metadata_check from ml_model_registry where is_serving")
    assert check.startswith("unreadable:") and "v0001/metadata.json" in check
    assert status_of(copy, "assert_serving_metadata_in_the_store_is_intact") == "warn"
    assert query(copy, "select distinct model_version from apply_prediction_to_position") == [("v0001",)]


def test_a_retrain_on_unchanged_inputs_registers_nothing_and_the_version_keeps_serving(copy):
    """Training, the ledger's reader and prediction again on the same database: what the retrain job would run
    for them (the rest of the job rebuilds the same tables: 28 s for the whole job, 9 s for these)."""
    dbt(copy, "build", "--select", *TRAIN_AND_SERVE)
    assert status_of(copy, "train_model_to_predict_position") == "success"
    assert query(copy, "select model_version, is_serving from ml_model_registry") == [("v0001", True)]
    assert sorted(p.name for p in (copy["registry"] / MODEL).iterdir()) == ["v0001"]


def test_crash_gate_and_serving(copy):
    """After a crash left v0002 half written, a retrain registers v0003; with an unreachable margin v0003
    is not promoted, so v0001 keeps serving. Without any promoted version the newest serves, flagged and
    warned about; require_promoted_model turns that into an error."""
    (copy["registry"] / MODEL / "v0002").mkdir()
    (copy["registry"] / MODEL / "v0002" / "model.joblib").write_bytes(b"half of a model")
    dbt(copy, "build", "--select", *TRAIN_AND_SERVE, promotion_accuracy_margin=1.0)
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
    other = {**space_in(other_root), "registry": copy["registry"]}  # one store for both
    with ThreadPoolExecutor(max_workers=2) as pool:  # two gates: two sets of inputs, neither the same as v0001's
        runs = [
            pool.submit(dbt, space, "run", "--select", "train_model_to_predict_position", promotion_log_loss_margin=m)
            for space, m in ((copy, 0.001), (other, 0.002))
        ]
        for future in runs:
            future.result()
    versions = {space["database"]: query(space, "select max(model_version) from train_model_to_predict_position")[0][0]
                for space in (copy, other)}  # fmt: skip
    assert sorted(versions.values()) == ["v0002", "v0003"]
    for version in versions.values():
        assert {p.name for p in (copy["registry"] / MODEL / version).iterdir()} == {"model.joblib", "metadata.json"}
