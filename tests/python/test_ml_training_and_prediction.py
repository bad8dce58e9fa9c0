"""Training, the promotion gate, the artifact store, the registry and serving, on small synthetic seasons."""

import hashlib
import io
import json
import multiprocessing
import os
import threading

import duckdb
import numpy as np
import pandas as pd
import pytest
from ml_data import training_dataset

from f1ml.ml import engine, registry, serving, training
from f1ml.ml.pipeline import build_pipeline, class_priors
from f1ml.ml.spec import FEATURES, LABEL, NUMERIC_FEATURES
from f1ml.ml.store import Store, claim_version, directory_store, list_versions, read_file, write_file

GATE = {"accuracy_margin": 0.0, "log_loss_margin": 0.0}
NO_LEDGER = pd.DataFrame(columns=training.LEDGER_COLUMNS)


@pytest.fixture(scope="module")
def trained():
    dataset = training_dataset(races=15, form_effect=20.0, noise=1.0)
    pipeline, validation = training.train_and_validate(dataset, GATE)
    return dataset, pipeline, validation


def register(store, trained, ledger=NO_LEDGER, gate=GATE):
    dataset, pipeline, validation = trained
    return training.register(store, ledger, dataset, pipeline, validation, gate)


# --- training and the promotion gate ----------------------------------------------------------------------


def test_validation_forecasts_the_last_season_as_serving_would_and_scores_both_baselines(trained):
    dataset, pipeline, validation = trained
    assert validation["season"] == 2023 and validation["rows_scored"] == 300 and validation["races"] == 15
    assert validation["podium_calls_per_race"] == 3  # race-shaped calls, as served
    assert {"model_accuracy", "grid_rule_accuracy", "frequency_log_loss", "uncoupled_log_loss"} <= set(validation)
    assert validation["accuracy_ci_low"] <= validation["accuracy_difference"] <= validation["accuracy_ci_high"]
    assert list(pipeline.classes_) == [1, 2, 3]


def test_training_on_its_columns_alone_registers_the_same_version(trained, tmp_path):
    """The model reads training.TRAINING_COLUMNS only (selected in the engine): the artifact, its metrics and its
    fingerprints are those of a training on every column of the dataset."""
    dataset, pipeline, validation = trained
    # what training_testing_dataset also holds: names and dates, for people, not the model
    wide_rows = dataset.assign(race_name="Grand Prix", driver_name="A Driver", race_date=pd.Timestamp("2023-03-05"))
    with duckdb.connect() as con:
        relation = con.from_df(wide_rows)
        read = engine.to_pandas(relation.select(*training.TRAINING_COLUMNS))
        assert list(read.columns) == training.TRAINING_COLUMNS
    wide = training.register(directory_store(tmp_path / "wide"), NO_LEDGER, wide_rows, pipeline, validation, GATE)
    pipeline, validation = training.train_and_validate(read, GATE)
    narrow = training.register(directory_store(tmp_path / "narrow"), NO_LEDGER, read, pipeline, validation, GATE)
    for part in ("artifact_sha256", "fingerprints", "validation_metrics", "training_window", "row_counts"):
        assert narrow[part] == wide[part], part


def test_probabilities_are_unweighted_estimates():
    """No class weights: where the grid says nothing, the mean probabilities are the class shares."""
    dataset = training_dataset(noise=1000.0)
    pipeline, _ = training.train_and_validate(dataset, GATE)
    mean_probability = pipeline.predict_proba(dataset[FEATURES]).mean(axis=0)
    assert mean_probability == pytest.approx(class_priors(dataset[LABEL]), abs=1e-3)


def test_the_gate_promotes_only_a_version_that_beats_both_baselines(trained):
    _, _, better = trained
    assert better["promoted"], better["promotion_reason"]
    assert better["promotion_reason"].startswith("promoted on 2023: accuracy +")
    demanding = training.train_and_validate(trained[0], {**GATE, "accuracy_margin": 0.5})[1]
    assert not demanding["promoted"] and "needs at least +0.500" in demanding["promotion_reason"]
    # The grid is the whole truth: the model cannot beat the grid rule, and is registered, not promoted.
    _, worse = training.train_and_validate(training_dataset(noise=0.0), GATE)
    assert not worse["promoted"] and "against the grid rule" in worse["promotion_reason"]


def test_the_gate_names_each_failure_with_its_numbers():
    card = {"accuracy_difference": -0.05, "model_log_loss": 0.80, "frequency_log_loss": 0.70}
    promoted, reason = training.promotion(card, 2023, accuracy_margin=0.0, log_loss_margin=0.0)
    assert not promoted
    assert "accuracy -0.050 against the grid rule, needs at least +0.000" in reason
    assert "log loss 0.800, not below the frequency baseline's 0.700 by more than 0" in reason
    card.update(model_log_loss=0.69, accuracy_difference=0.01)
    assert training.promotion(card, 2023, 0.0, 0.0)[0]
    assert "by more than 0.05" in training.promotion(card, 2023, 0.0, 0.05)[1]


def test_a_missing_split_is_a_clear_error():
    dataset = training_dataset()
    with pytest.raises(ValueError, match="needs train and validation rows, got 240 and 0"):
        training.train_and_validate(dataset[dataset["dataset_split"] == "train"], GATE)


def test_a_feature_without_any_value_in_training_is_kept_as_a_constant_and_named():
    # Real exports can lack a feature for the whole window: qualifying before 1994, standings in a partial export.
    dataset = training_dataset().assign(driver_standing_before=np.nan)
    pipeline, validation = training.train_and_validate(dataset, GATE)
    metadata = training.build_metadata("v0001", dataset, validation, pipeline, b"x", {})
    assert metadata["features"]["without_values"] == ["driver_standing_before"]
    width = pipeline.named_steps["encode"].transform(dataset[FEATURES].head(1)).shape[1]
    assert [row["encoded_index"] for row in metadata["encoding"]] == list(range(width))
    empty = next(row for row in metadata["encoding"] if row["feature"] == "driver_standing_before")
    assert empty["missing_filled_with"] == 0.0 and empty["scale"] == 1.0


# --- the artifact store and registration ------------------------------------------------------------------


def test_register_writes_artifact_then_metadata_and_never_reuses_a_version(tmp_path, trained):
    store = directory_store(tmp_path)
    first = register(store, trained)
    second = register(store, trained, gate={**GATE, "accuracy_margin": -1.0})  # another gate: a new version
    assert (first["model_version"], second["model_version"]) == ("v0001", "v0002")
    assert list_versions(store) == {v: {"model.joblib", "metadata.json"} for v in ("v0001", "v0002")}
    meta = json.loads((tmp_path / "driver_position/v0002/metadata.json").read_text())
    assert meta["training_window"] == {"first_season": 2021, "last_season": 2023, "validation_season": 2023,
                                       "hold_out_season": 2024}  # fmt: skip
    assert meta["row_counts"] == {"train": 600, "validation": 300, "refit": 900}
    assert len(meta["grid_slot_frequencies"]) == 20
    assert meta["artifact_sha256"] == hashlib.sha256(read_file(store, "v0002", "model.joblib")).hexdigest()


def test_a_retrain_on_unchanged_inputs_registers_nothing(tmp_path, trained):
    store = directory_store(tmp_path)
    first = register(store, trained)
    ledger = training.ledger_row(first)
    assert register(store, trained, ledger) == {"unchanged": "v0001"}
    assert sorted(list_versions(store)) == ["v0001"]
    # One corrected result in the training rows is another input: a new version.
    dataset, _, _ = trained
    corrected = dataset.copy()
    corrected.loc[0, LABEL] = 3 if corrected.loc[0, LABEL] != 3 else 1
    pipeline, validation = training.train_and_validate(corrected, GATE)
    again = training.register(store, ledger, corrected, pipeline, validation, GATE)
    assert again["model_version"] == "v0002"
    assert again["fingerprints"]["data"] != first["fingerprints"]["data"]


def test_an_artifact_has_the_same_bytes_whether_equal_strings_are_one_object_or_two(trained):
    """Pickle writes an object it has seen as a reference to it, by identity: with plain joblib.dump, equal
    strings that are two objects (how they come depends on what the process did before, e.g. loading another
    artifact) were written twice, and the same model had another sha256."""
    _, pipeline, _ = trained
    one, two = "".join(["grid_", "position"]), "".join(["grid_pos", "ition"])
    assert one == two and one is not two
    assert training.serialize([pipeline, one, one]) == training.serialize([pipeline, one, two])


def test_a_crash_after_the_artifact_write_does_not_wedge_the_next_registration(tmp_path, trained):
    """The reproduced wedge: v0002/model.joblib and no metadata.json (the process died in between)."""
    store = directory_store(tmp_path)
    first = register(store, trained)
    (tmp_path / "driver_position/v0002").mkdir()
    (tmp_path / "driver_position/v0002/model.joblib").write_bytes(b"half of a model")
    ledger = training.ledger_row(first).assign(metadata_json=json.dumps({**first, "fingerprints": {}}))
    assert register(store, trained, ledger)["model_version"] == "v0003"
    rows = registry.registry_rows(ledger, list_versions(store), store.location)
    assert dict(zip(rows["model_version"], rows["status"], strict=True)) == {
        "v0001": "ready", "v0002": "incomplete", "v0003": "not_in_ledger",
    }  # fmt: skip


def test_numbers_continue_after_every_version_the_ledger_knows(tmp_path, trained):
    """A version whose folder was deleted is still taken: the ledger remembers it."""
    ledger = pd.DataFrame({"model_version": ["v0001", "v0007"], "metadata_json": ["{}", "{}"]})
    assert register(directory_store(tmp_path), trained, ledger)["model_version"] == "v0008"


def _register_in_a_process(root, barrier, results):
    trained = training_dataset(), *training.train_and_validate(training_dataset(), GATE)
    barrier.wait()
    results.put(register(directory_store(root), trained)["model_version"])


def test_concurrent_trainings_get_distinct_complete_versions(tmp_path):
    """Two processes register against one store at the same moment: two versions, both complete."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_register_in_a_process, args=(tmp_path, barrier, results)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    versions = sorted(results.get(timeout=5) for _ in processes)
    assert versions == ["v0001", "v0002"]
    assert list_versions(directory_store(tmp_path)) == {v: {"model.joblib", "metadata.json"} for v in versions}


def test_claims_race_on_one_number_and_only_one_wins(tmp_path):
    store, wins = directory_store(tmp_path), []
    threads = [threading.Thread(target=lambda: wins.append(claim_version(store, "v0001"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_a_store_error_other_than_not_found_fails_with_the_location(tmp_path):
    assert list_versions(directory_store(tmp_path / "nothing yet")) == {}
    (tmp_path / "driver_position").write_text("a file where the store's folder should be")
    with pytest.raises(RuntimeError, match="Cannot list the model store .*driver_position"):
        list_versions(directory_store(tmp_path))


class FakeStage:
    """Snowpark's session.file, as a stage behaves: put with overwrite=False skips an existing path."""

    def __init__(self, fail_list=False):
        self.files, self.fail_list = {}, fail_list

    def put_stream(self, stream, path, auto_compress, overwrite):
        if path in self.files and not overwrite:
            return type("Result", (), {"status": "SKIPPED"})()
        self.files[path] = stream.read()
        return type("Result", (), {"status": "UPLOADED"})()

    def get_stream(self, path):
        if path not in self.files:
            raise OSError(f"{path} does not exist")
        return io.BytesIO(self.files[path])

    def list(self, prefix):
        if self.fail_list:
            raise ConnectionError("network unreachable")
        # LIST returns the stage name in lower case, then the path
        return [type("Entry", (), {"name": "ml_model_stage/" + p.split("/", 1)[1]})() for p in self.files]


def test_a_stage_store_claims_writes_lists_and_reports_failures():
    session = type("Session", (), {"file": FakeStage()})()
    store = Store("stage", "@analytics.dbt_x.ml_model_stage/driver_position", session)
    assert claim_version(store, "v0001") and not claim_version(store, "v0001")
    write_file(store, "v0001", "model.joblib", b"bytes")
    with pytest.raises(FileExistsError, match="v0001 is taken"):
        write_file(store, "v0001", "model.joblib", b"other bytes")
    assert list_versions(store) == {"v0001": {".claim", "model.joblib"}}
    assert read_file(store, "v0001", "model.joblib") == b"bytes"
    broken = Store("stage", "@db.s.stage/driver_position", type("Session", (), {"file": FakeStage(True)})())
    with pytest.raises(RuntimeError, match="Cannot list the model store @db.s.stage/driver_position"):
        list_versions(broken)


# --- the registry: statuses and which version serves --------------------------------------------------------

COMPLETE = {"model.joblib", "metadata.json"}


@pytest.fixture(scope="module")
def ledger_of(trained):
    def ledger(*entries):
        """Ledger rows (version, promoted) with real metadata."""
        dataset, pipeline, validation = trained
        rows = []
        for version, promoted in entries:
            metadata = training.build_metadata(version, dataset, validation, pipeline, b"x", {})
            metadata["promotion"] = {"promoted": promoted, "reason": "test"}
            rows.append(training.ledger_row(metadata))
        return pd.concat(rows, ignore_index=True)

    return ledger


def serving_versions(rows):
    return rows.loc[rows["is_serving"], "model_version"].tolist()


def test_the_newest_ready_promoted_version_serves_over_a_newer_unpromoted_one(ledger_of):
    ledger = ledger_of(("v0001", True), ("v0002", True), ("v0003", False))
    stored = {v: COMPLETE for v in ("v0001", "v0002", "v0003")}
    rows = registry.registry_rows(ledger, stored, "store")
    assert serving_versions(rows) == ["v0002"]
    assert rows["is_latest"].tolist() == [False, False, True]
    assert serving_versions(registry.registry_rows(ledger, stored, "store", "v0003")) == ["v0003"]


def test_without_a_promoted_version_the_newest_ready_one_serves(ledger_of):
    rows = registry.registry_rows(ledger_of(("v0001", False), ("v0002", False)), {"v0001": COMPLETE}, "store")
    assert dict(zip(rows["model_version"], rows["status"], strict=True)) == {
        "v0001": "ready", "v0002": "artifact_missing",
    }  # fmt: skip
    assert serving_versions(rows) == ["v0001"]


def test_a_version_recorded_by_an_older_release_is_outdated_and_never_serves(ledger_of):
    ledger = ledger_of(("v0001", True), ("v0002", True))
    old = json.loads(ledger.loc[1, "metadata_json"])
    del old["metadata_layout"]
    ledger.loc[1, "metadata_json"] = json.dumps(old)
    rows = registry.registry_rows(ledger, {"v0001": COMPLETE, "v0002": COMPLETE}, "store")
    assert rows["status"].tolist() == ["ready", "outdated"] and serving_versions(rows) == ["v0001"]
    with pytest.raises(RuntimeError, match="v0002 was recorded by an older release.*retrain job"):
        serving.ledger_metadata(ledger, "v0002")


def test_a_gap_in_version_numbers_does_not_change_which_version_is_latest(ledger_of):
    stored = {"v0001": COMPLETE, "v0003": COMPLETE}  # v0002 deleted from the store
    rows = registry.registry_rows(ledger_of(("v0001", True), ("v0002", True), ("v0003", True)), stored, "store")
    assert serving_versions(rows) == ["v0003"] and rows.loc[rows["is_latest"], "model_version"].tolist() == ["v0003"]


def test_the_registry_asks_for_the_retrain_job_when_this_database_recorded_no_version(ledger_of):
    empty = pd.DataFrame({"model_version": []})
    with pytest.raises(RuntimeError, match=r"No registered version .* Run the retrain job first"):
        registry.registry_rows(empty, {}, "store")
    # A fresh database beside the store of another one: its versions are named, and not trusted here.
    with pytest.raises(RuntimeError, match=r"the store store holds v0001, v0002, trained against another database"):
        registry.registry_rows(empty, {"v0001": COMPLETE, "v0002": COMPLETE}, "store")
    with pytest.raises(ValueError, match="model_version=v0009 is not registered"):
        registry.registry_rows(ledger_of(("v0001", True)), {"v0001": COMPLETE}, "store", "v0009")


def test_the_serving_versions_metadata_in_the_store_is_checked_against_the_ledger(tmp_path, trained):
    store = directory_store(tmp_path)
    metadata = register(store, trained)
    ledger = training.ledger_row(metadata)
    check = lambda: registry.read_registry(store, ledger, "")["store_metadata_check"].iloc[0]  # noqa: E731
    assert check() == "ok"
    path = tmp_path / "driver_position/v0001/metadata.json"
    path.write_text("")
    assert check().startswith("unreadable:") and str(path) in check()
    path.write_text(json.dumps({**metadata, "trained_at": "yesterday"}))
    assert check().startswith("differs:")
    path.unlink()
    assert check().startswith("missing:")
    assert registry.read_registry(store, ledger, "")["status"].iloc[0] == "ready"  # the ledger's copy serves


def test_prediction_refuses_what_cannot_serve_and_an_unpromoted_version_when_required(ledger_of):
    ledger = ledger_of(("v0001", False))
    rows = registry.registry_rows(ledger, {"v0001": COMPLETE}, "store")
    assert serving.serving_row(rows, require_promoted=False)["model_version"] == "v0001"
    with pytest.raises(RuntimeError, match="require_promoted_model is true and v0001.*is not promoted"):
        serving.serving_row(rows, require_promoted=True)
    missing = registry.registry_rows(ledger, {}, "store")
    with pytest.raises(RuntimeError, match=r"No version of the model can serve \(v0001 artifact_missing\)"):
        serving.serving_row(missing, require_promoted=False)


# --- trust: the ledger's hash, not the store's ----------------------------------------------------------------


def test_an_artifact_and_metadata_replaced_together_are_refused(tmp_path, trained):
    store = directory_store(tmp_path)
    metadata = register(store, trained)
    recorded, sha256 = serving.ledger_metadata(training.ledger_row(metadata), "v0001")
    model = serving.verified_model(read_file(store, "v0001", "model.joblib"), sha256, recorded["library_versions"], "x")
    assert list(model.classes_) == [1, 2, 3]
    # Someone with write access to the store replaces both files with a consistent pair.
    dataset = trained[0]
    forged = training.serialize(build_pipeline(c=5.0).fit(dataset[FEATURES], dataset[LABEL]))
    (tmp_path / "driver_position/v0001/model.joblib").write_bytes(forged)
    forged_metadata = {**metadata, "artifact_sha256": hashlib.sha256(forged).hexdigest()}
    (tmp_path / "driver_position/v0001/metadata.json").write_text(json.dumps(forged_metadata))
    with pytest.raises(ValueError, match="Refusing to load v0001: its sha256 is .* the ledger recorded"):
        serving.verified_model(read_file(store, "v0001", "model.joblib"), sha256, {}, "v0001")


def test_another_scikit_learn_version_is_refused(tmp_path, trained):
    metadata = register(directory_store(tmp_path), trained)
    artifact = (tmp_path / "driver_position/v0001/model.joblib").read_bytes()
    older = {**metadata["library_versions"], "scikit-learn": "0.24.2"}
    with pytest.raises(ValueError, match="trained with scikit-learn 0.24.2"):
        serving.verified_model(artifact, metadata["artifact_sha256"], older, "v0001")


# --- scoring: one UDF pass, then the race step ----------------------------------------------------------------


def rows_to_predict(dataset):
    rows = dataset[dataset["race_year"] == 2023].copy()
    extra = {"race_date": pd.Timestamp("2023-05-01"), "race_name": "A Grand Prix", "circuit_name": "A circuit",
             "driver_ref": "driver", "driver_name": "A Driver", "constructor_team": "A Team", "race_status": "run",
             "grid": rows["grid_position"], "grid_source": "grid", "position": 1, "data_through_race_id": 1,
             "data_through_race_date": pd.Timestamp("2023-04-20")}  # fmt: skip
    return rows.assign(**extra).rename(columns={"dataset_split": "dataset_split"})


def test_the_duckdb_udf_scores_each_row_once_and_the_race_step_shapes_the_forecasts(trained, tmp_path):
    import duckdb

    dataset, pipeline, _ = trained
    metadata = register(directory_store(tmp_path), trained)
    rows = rows_to_predict(dataset)
    rows.loc[rows.index[0], "qualifying_position"] = np.nan  # a missing feature is imputed, not an error
    batches = []
    counting = type("Counting", (), {"predict_proba": lambda self, frame: batches.append(len(frame))
                                     or pipeline.predict_proba(frame)})()  # fmt: skip
    con = duckdb.connect()
    con.register("to_predict", rows)
    scored = serving.score_on_duckdb(con, con.table("to_predict"), counting, FEATURES)
    assert sum(batches) == len(rows)  # one pass: not once per class
    scored = scored.set_index("driver_race_id").loc[rows["driver_race_id"]].reset_index()
    expected = pipeline.predict_proba(rows[FEATURES])
    assert np.abs(scored[serving.UDF_SCORES].to_numpy() - expected).max() <= 1e-12
    published = serving.forecasts(scored, metadata, "v0001", True)
    assert published.groupby("race_id")["prob_podium"].sum().to_numpy() == pytest.approx(np.full(15, 3.0))
    assert (published.groupby("race_id")["predicted_position_label"].apply(lambda c: (c == 1).sum()) == 3).all()
    assert published["forecast_key"].nunique() == 15 and set(published["model_version"]) == {"v0001"}
    # The same forecasts give the same key; one entrant's different forecast changes its race's key only.
    again = serving.forecasts(scored, metadata, "v0001", True)
    assert again["forecast_key"].tolist() == published["forecast_key"].tolist()
    nudged = scored.copy()
    nudged.loc[0, "uncoupled_prob_podium"] += 0.01
    changed = serving.forecasts(nudged, metadata, "v0001", True)
    differs = changed["forecast_key"] != published["forecast_key"]
    assert set(changed.loc[differs, "race_id"]) == {scored.loc[0, "race_id"]}


def test_the_encoding_map_lists_every_encoded_column_once(trained):
    dataset, pipeline, validation = trained
    metadata = training.build_metadata("v0001", dataset, validation, pipeline, b"x", {})
    rows = registry.registry_rows(training.ledger_row(metadata), {"v0001": COMPLETE}, "store")
    encoded = registry.encoding_rows(rows)
    width = pipeline.named_steps["encode"].transform(dataset[FEATURES].head(1)).shape[1]
    assert encoded["encoded_index"].tolist() == list(range(width))
    assert set(encoded.loc[encoded["encoding"] == "standard_scaled", "feature"]) == set(NUMERIC_FEATURES)
    assert set(encoded.loc[encoded["encoding"] == "spline", "feature"]) == {"grid_position"}
    scaled = encoded[encoded["feature"] == "driver_standing_before"].iloc[0]
    assert scaled["missing_filled_with"] == 5.0  # the training median of a column that is 5.0 or missing


def test_clean_registry_removes_only_old_incomplete_versions(tmp_path, trained, capsys):
    from f1ml import clean_registry as clean

    store = directory_store(tmp_path)
    register(store, trained)
    for version in ("v0002", "v0003"):
        (tmp_path / "driver_position" / version).mkdir()
    old = tmp_path / "driver_position" / "v0002"
    os.utime(old, (0, 0))  # claimed long ago by a run that died
    clean.main(["--registry", str(tmp_path), "--min-age-minutes", "60"])
    assert sorted(list_versions(store)) == ["v0001", "v0002", "v0003"]  # listing only
    assert f"incomplete: {old}" in capsys.readouterr().out
    clean.main(["--registry", str(tmp_path), "--min-age-minutes", "60", "--delete"])
    assert sorted(list_versions(store)) == ["v0001", "v0003"]  # v0003 may still be training
