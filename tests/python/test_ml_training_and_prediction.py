"""Training, the promotion gate, the artifact store, the registry and prediction, on small synthetic data."""

import json
import multiprocessing
import threading

import numpy as np
import pandas as pd
import pytest
from conftest import load_model_file

train = load_model_file("models/ml/training_and_prediction/train_model_to_predict_position.py")
registry = load_model_file("models/ml/training_and_prediction/ml_model_registry.py")
predict = load_model_file("models/ml/training_and_prediction/apply_prediction_to_position.py")
mapping = load_model_file("models/ml/prep_encoding_splitting/encoding_mapping.py")


def synthetic_dataset(seed=0, rows_per_season=120, signal=3.0, form_effect=0.0):
    """The finishing order follows the grid, plus `form_effect` times a feature the grid rule does not see,
    plus noise of spread `signal`."""
    rng = np.random.default_rng(seed)
    frames = []
    for year, split in [(2021, "train"), (2022, "train"), (2023, "test")]:
        grid = rng.integers(1, 21, rows_per_season).astype("float64")
        frame = pd.DataFrame({feature: rng.uniform(0, 1, rows_per_season) for feature in train.NUMERIC_FEATURES})
        form = frame["driver_finish_avg_5"] - 0.5
        noisy = np.clip(grid + form_effect * form + rng.normal(0, signal, rows_per_season), 1, 20)
        frame["driver_standing_before"] = np.where(rng.random(rows_per_season) < 0.1, np.nan, 5.0)  # imputed
        frame["grid_position"] = grid
        frame["driver_race_id"] = [f"{year}-{n}" for n in range(rows_per_season)]
        frame["race_year"] = year
        frame["position_label"] = np.select([noisy <= 3, noisy <= 10], [1, 2], 3)
        frame["grid_baseline_label"] = np.select([grid <= 3, grid <= 10], [1, 2], 3)
        frame["dataset_split"] = split
        frame["hold_out_season"] = 2024
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --- metrics, baselines and the decision rule, on hand-computed cases ---------------------------------------


def test_classification_metrics_match_hand_counts():
    metrics = train.classification_metrics([1, 1, 2, 3, 3, 3], [1, 2, 2, 3, 3, 1])
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["recall_by_class"] == {"1": 0.5, "2": 1.0, "3": pytest.approx(2 / 3)}
    assert metrics["balanced_accuracy"] == pytest.approx((0.5 + 1 + 2 / 3) / 3)
    assert metrics["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    # f1 per class: 1 -> 2*1/(2+2)=0.5; 2 -> 2*1/(1+2)=2/3; 3 -> 2*2/(3+2)=0.8
    assert metrics["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)


def test_probability_metrics_match_hand_computation():
    probabilities = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]]
    metrics = train.probability_metrics([1, 3], probabilities)
    assert metrics["log_loss"] == pytest.approx(-(np.log(0.5) + np.log(0.3)) / 2)
    # row 1: (0.5-1)^2 + 0.3^2 + 0.2^2 = 0.38; row 2: 0.1^2 + 0.6^2 + (0.3-1)^2 = 0.86
    assert metrics["brier_score"] == pytest.approx((0.38 + 0.86) / 2)
    perfect = train.probability_metrics([2], [[0.0, 1.0, 0.0]])
    assert perfect == {"log_loss": pytest.approx(0.0), "brier_score": 0.0}
    assert np.isfinite(train.probability_metrics([1], [[0.0, 1.0, 0.0]])["log_loss"])  # clipped, not infinite


def test_grid_slot_frequencies_are_smoothed_counts_per_slot():
    frequencies = train.grid_slot_frequencies([1, 1, 1, 2, 25, 30], [1, 1, 2, 3, 3, 3])
    assert len(frequencies) == train.GRID_SLOTS
    assert frequencies[0] == pytest.approx([3 / 6, 2 / 6, 1 / 6])  # slot 1: counts 2, 1, 0, each + 1
    assert frequencies[1] == pytest.approx([1 / 4, 1 / 4, 2 / 4])
    assert frequencies[train.GRID_SLOTS - 1] == pytest.approx([1 / 5, 1 / 5, 3 / 5])  # 25 and 30 pooled in 20
    assert frequencies[5] == pytest.approx([1 / 3] * 3)  # never seen: uniform
    lookup = train.frequency_probabilities(frequencies, [1, 40])
    assert lookup.tolist() == [frequencies[0], frequencies[train.GRID_SLOTS - 1]]


def test_decision_rule_divides_by_class_frequency_and_breaks_ties_to_the_better_finish():
    priors = train.class_priors([1, 2, 2, 3, 3, 3, 3, 3, 3, 3])  # 0.1, 0.2, 0.7
    assert priors.tolist() == pytest.approx([0.1, 0.2, 0.7])
    probabilities = np.array([[0.2, 0.2, 0.6], [0.05, 0.3, 0.65], [0.1, 0.2, 0.7], [0.01, 0.01, 0.98]])
    # ratios: [2, 1, 0.86] -> 1; [0.5, 1.5, 0.93] -> 2; [1, 1, 1] tie -> 1; [0.1, 0.05, 1.4] -> 3
    assert train.decide(probabilities, priors).tolist() == [1, 2, 1, 3]
    assert train.decide(probabilities, np.ones(3)).tolist() == [3, 3, 3, 3]  # plain argmax


# --- training and the promotion gate ----------------------------------------------------------------------


def test_validation_uses_the_last_season_and_scores_both_baselines_on_the_same_rows():
    pipeline, validation = train.train_and_validate(synthetic_dataset(), margin=0.0)
    assert validation["season"] == 2023
    assert validation["model"]["rows"] == validation["grid_baseline"]["rows"] == 120
    assert {"log_loss", "brier_score"} <= set(validation["model"]) and set(validation["frequency_baseline"]) == {
        "log_loss",
        "brier_score",
    }
    assert list(pipeline.classes_) == [1, 2, 3]


def test_probabilities_are_unweighted_estimates():
    """No class weights: on data where the grid says nothing, the mean probabilities are the class shares."""
    dataset = synthetic_dataset(signal=1000.0)
    pipeline, _ = train.train_and_validate(dataset, margin=0.0)
    mean_probability = pipeline.predict_proba(dataset[train.FEATURES]).mean(axis=0)
    assert mean_probability == pytest.approx(train.class_priors(dataset[train.LABEL]), abs=1e-3)


def test_gate_promotes_only_a_version_that_beats_both_baselines():
    form_matters = synthetic_dataset(signal=1.0, form_effect=20.0)
    _, better = train.train_and_validate(form_matters, margin=0.0)
    assert better["promoted"], better["promotion_reason"]
    assert better["promotion_reason"].startswith("promoted on 2023")
    _, demanding = train.train_and_validate(form_matters, margin=0.5)
    assert not demanding["promoted"]
    assert "needs at least +0.500" in demanding["promotion_reason"]
    # The grid is the whole truth: the model cannot beat the grid rule, and is registered, not promoted.
    _, worse = train.train_and_validate(synthetic_dataset(signal=1.0), margin=0.0)
    assert not worse["promoted"] and "against the grid rule" in worse["promotion_reason"]


def test_gate_names_each_failure_with_its_numbers():
    validation = {
        "season": 2023,
        "model": {"balanced_accuracy": 0.60, "log_loss": 0.80},
        "grid_baseline": {"balanced_accuracy": 0.65},
        "frequency_baseline": {"log_loss": 0.70},
    }
    promoted, reason = train.promotion(validation, margin=0.0)
    assert not promoted
    assert "balanced accuracy -0.050 against the grid rule" in reason
    assert "log loss 0.800, not below the frequency baseline's 0.700" in reason
    validation["model"]["log_loss"] = 0.69
    assert "log loss" not in train.promotion(validation, margin=0.0)[1]


def test_encoders_are_fitted_on_training_rows_only_and_unseen_categories_are_infrequent():
    dataset = synthetic_dataset()
    dataset["constructor_team"] = np.where(dataset["race_year"] == 2023, "newcomer", "Ferrari")
    fit_rows = dataset[dataset["dataset_split"] == "train"]
    features = [*train.FEATURES, "constructor_team"]
    pipeline = train.build_pipeline(nominal=["constructor_team"]).fit(fit_rows[features], fit_rows[train.LABEL])
    one_hot = pipeline.named_steps["encode"].named_transformers_["nominal"]
    assert list(one_hot.categories_[0]) == ["Ferrari"]  # "newcomer" only races in the validation season
    probabilities = pipeline.predict_proba(dataset.loc[dataset["race_year"] == 2023, features])
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_missing_split_is_a_clear_error():
    dataset = synthetic_dataset()
    with pytest.raises(ValueError, match="needs train and test rows"):
        train.train_and_validate(dataset[dataset["dataset_split"] == "train"], margin=0.0)


# --- the artifact store and registration ------------------------------------------------------------------


def _register(store, known=()):
    dataset = synthetic_dataset()
    pipeline, validation = train.train_and_validate(dataset, margin=0.0)
    return train.register(store, list(known), dataset, pipeline, validation)


@pytest.fixture(scope="module")
def trained():
    dataset = synthetic_dataset()
    pipeline, validation = train.train_and_validate(dataset, margin=0.0)
    return dataset, pipeline, validation


def test_register_writes_artifact_then_metadata_and_never_reuses_a_version(tmp_path, trained):
    store = train.DirectoryStore(str(tmp_path))
    first = train.register(store, [], *trained)
    second = train.register(store, [], *trained)
    assert (first["model_version"], second["model_version"]) == ("v0001", "v0002")
    assert store.list_versions() == {v: {"model.joblib", "metadata.json"} for v in ("v0001", "v0002")}
    meta = json.loads((tmp_path / "driver_position/v0002/metadata.json").read_text())
    assert meta["training_window"] == {
        "first_season": 2021,
        "last_season": 2023,
        "validation_season": 2023,
        "hold_out_season": 2024,
    }
    assert meta["row_counts"] == {"train": 240, "validation": 120, "refit": 360}
    assert meta["decision_rule"]["class_priors"] == pytest.approx(train.class_priors(trained[0]["position_label"]))
    assert meta["promotion"]["promoted"] is trained[2]["promoted"]


def test_a_crash_after_the_artifact_write_does_not_wedge_the_next_registration(tmp_path, trained):
    """The reproduced wedge: v0002/model.joblib and no metadata.json (the process died in between)."""
    store = train.DirectoryStore(str(tmp_path))
    train.register(store, [], *trained)
    (tmp_path / "driver_position/v0002").mkdir()
    (tmp_path / "driver_position/v0002/model.joblib").write_bytes(b"half of a model")
    assert train.register(store, [], *trained)["model_version"] == "v0003"
    rows = registry.registry_rows(pd.DataFrame({"model_version": []}), store.list_versions(), store.location)
    assert dict(zip(rows["model_version"], rows["status"], strict=True)) == {
        "v0001": "not_in_ledger",
        "v0002": "incomplete",
        "v0003": "not_in_ledger",
    }


def test_numbers_continue_after_every_version_the_ledger_knows(tmp_path, trained):
    """A version whose folder was deleted is still taken: the ledger remembers it."""
    store = train.DirectoryStore(str(tmp_path))
    assert train.register(store, ["v0001", "v0007"], *trained)["model_version"] == "v0008"


def _register_in_a_process(root, barrier, results):
    barrier.wait()
    results.put(_register(train.DirectoryStore(root))["model_version"])


def test_concurrent_trainings_get_distinct_complete_versions(tmp_path):
    """Two processes register against one store at the same moment: two versions, both complete."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_register_in_a_process, args=(str(tmp_path), barrier, results)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    versions = sorted(results.get(timeout=5) for _ in processes)
    assert versions == ["v0001", "v0002"]
    assert train.DirectoryStore(str(tmp_path)).list_versions() == {
        v: {"model.joblib", "metadata.json"} for v in versions
    }


def test_claims_race_on_one_number_and_only_one_wins(tmp_path):
    store, wins = train.DirectoryStore(str(tmp_path)), []
    threads = [threading.Thread(target=lambda: wins.append(store.claim("v0001"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_a_store_error_other_than_not_found_fails_with_the_location(tmp_path):
    assert train.DirectoryStore(str(tmp_path / "nothing yet")).list_versions() == {}
    (tmp_path / "driver_position").write_text("a file where the store's folder should be")
    with pytest.raises(RuntimeError, match="Cannot list the model store .*driver_position"):
        train.DirectoryStore(str(tmp_path)).list_versions()


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
        import io

        return io.BytesIO(self.files[path])

    def list(self, prefix):
        if self.fail_list:
            raise ConnectionError("network unreachable")
        # LIST returns the stage name in lower case, then the path
        return [type("Entry", (), {"name": "ml_model_stage/" + p.split("/", 1)[1]})() for p in self.files]


def test_stage_store_claims_writes_lists_and_reports_failures():
    session = type("Session", (), {"file": FakeStage()})()
    store = train.StageStore(session, "@analytics.dbt_x.ml_model_stage")
    assert store.claim("v0001") and not store.claim("v0001")
    store.write("v0001", "model.joblib", b"bytes")
    with pytest.raises(FileExistsError, match="v0001 is taken"):
        store.write("v0001", "model.joblib", b"other bytes")
    assert store.list_versions() == {"v0001": {".claim", "model.joblib"}}
    assert store.read("v0001", "model.joblib") == b"bytes"
    broken = train.StageStore(type("Session", (), {"file": FakeStage(fail_list=True)})(), "@db.s.stage")
    with pytest.raises(RuntimeError, match="Cannot list the model store @db.s.stage/driver_position"):
        broken.list_versions()


# --- the registry: statuses and which version serves --------------------------------------------------------


def ledger_of(*entries):
    """Ledger rows (version, promoted) with real metadata."""
    dataset = synthetic_dataset()
    _, validation = train.train_and_validate(dataset, margin=0.0)
    rows = []
    for version, promoted in entries:
        metadata = train.build_metadata(version, dataset, {**validation, "promoted": promoted}, _pipeline(), b"x")
        metadata["promotion"] = {"promoted": promoted, "reason": "test"}
        rows.append(train.ledger_row(metadata))
    return pd.concat(rows, ignore_index=True)


_fitted = {}


def _pipeline():
    if "pipeline" not in _fitted:
        dataset = synthetic_dataset()
        _fitted["pipeline"] = train.build_pipeline().fit(dataset[train.FEATURES], dataset[train.LABEL])
    return _fitted["pipeline"]


COMPLETE = {"model.joblib", "metadata.json"}


def serving(rows):
    return rows.loc[rows["is_serving"], "model_version"].tolist()


def test_the_newest_ready_promoted_version_serves_over_a_newer_unpromoted_one():
    ledger = ledger_of(("v0001", True), ("v0002", True), ("v0003", False))
    rows = registry.registry_rows(ledger, {v: COMPLETE for v in ("v0001", "v0002", "v0003")}, "store")
    assert serving(rows) == ["v0002"]
    assert rows["is_latest"].tolist() == [False, False, True]
    assert registry.registry_rows(ledger, {v: COMPLETE for v in ("v0001", "v0002", "v0003")}, "store", "v0003")[
        "is_serving"
    ].tolist() == [False, False, True]


def test_without_a_promoted_version_the_newest_ready_one_serves():
    rows = registry.registry_rows(ledger_of(("v0001", False), ("v0002", False)), {"v0001": COMPLETE}, "store")
    assert dict(zip(rows["model_version"], rows["status"], strict=True)) == {
        "v0001": "ready",
        "v0002": "artifact_missing",
    }
    assert serving(rows) == ["v0001"]


def test_a_gap_in_version_numbers_does_not_change_which_version_is_latest():
    stored = {"v0001": COMPLETE, "v0003": COMPLETE}  # v0002 deleted from the store
    rows = registry.registry_rows(ledger_of(("v0001", True), ("v0002", True), ("v0003", True)), stored, "store")
    assert serving(rows) == ["v0003"] and rows.loc[rows["is_latest"], "model_version"].tolist() == ["v0003"]


def test_registry_explains_an_empty_store_and_an_unknown_pin():
    with pytest.raises(RuntimeError, match="Run the retrain job first"):
        registry.registry_rows(pd.DataFrame({"model_version": []}), {}, "store")
    with pytest.raises(ValueError, match="model_version=v0009 is not registered"):
        registry.registry_rows(ledger_of(("v0001", True)), {"v0001": COMPLETE}, "store", "v0009")


def test_prediction_refuses_what_cannot_serve_and_an_unpromoted_version_when_required():
    ledger = ledger_of(("v0001", False))
    rows = registry.registry_rows(ledger, {"v0001": COMPLETE}, "store")
    assert predict.serving_row(rows, require_promoted=False)["model_version"] == "v0001"
    with pytest.raises(RuntimeError, match="require_promoted_model is true and v0001.*is not promoted"):
        predict.serving_row(rows, require_promoted=True)
    missing = registry.registry_rows(ledger, {}, "store")
    with pytest.raises(RuntimeError, match=r"No version of the model can serve \(v0001 artifact_missing\)"):
        predict.serving_row(missing, require_promoted=False)
    assert [predict.is_true(v) for v in ("True", "true", "False", "", "false")] == [True, True, False, False, False]


# --- trust: the ledger's hash, not the store's ----------------------------------------------------------------


def test_an_artifact_and_metadata_replaced_together_are_refused(tmp_path, trained):
    store = train.DirectoryStore(str(tmp_path))
    metadata = train.register(store, [], *trained)
    ledger = train.ledger_row(metadata).iloc[0]
    genuine = store.read("v0001", "model.joblib")
    model = predict.verified_model(genuine, ledger["artifact_sha256"], metadata["library_versions"], "v0001")
    assert list(model.classes_) == [1, 2, 3]
    # An attacker with write access to the store replaces both files with a consistent pair.
    forged = train.serialize(train.build_pipeline(c=5.0).fit(trained[0][train.FEATURES], trained[0][train.LABEL]))
    (tmp_path / "driver_position/v0001/model.joblib").write_bytes(forged)
    forged_metadata = {**metadata, "artifact_sha256": __import__("hashlib").sha256(forged).hexdigest()}
    (tmp_path / "driver_position/v0001/metadata.json").write_text(json.dumps(forged_metadata))
    with pytest.raises(ValueError, match="Refusing to load v0001: its sha256 is .* the ledger recorded"):
        predict.verified_model(store.read("v0001", "model.joblib"), ledger["artifact_sha256"], {}, "v0001")


def test_other_scikit_learn_version_is_refused(tmp_path, trained):
    metadata = train.register(train.DirectoryStore(str(tmp_path)), [], *trained)
    artifact = (tmp_path / "driver_position/v0001/model.joblib").read_bytes()
    older = {**metadata["library_versions"], "scikit-learn": "0.24.2"}
    with pytest.raises(ValueError, match="trained with scikit-learn 0.24.2"):
        predict.verified_model(artifact, metadata["artifact_sha256"], older, "v0001")


# --- scoring and the encoding map -------------------------------------------------------------------------


def test_one_scoring_pass_gives_every_class_probability_and_the_decision(trained):
    dataset, pipeline, _ = trained
    priors = train.class_priors(dataset[train.LABEL])
    rows = dataset[train.FEATURES].head(50).copy()
    rows.loc[rows.index[0], "qualifying_position"] = np.nan  # a missing feature is imputed, not an error
    scores = predict.score(pipeline, priors, rows)
    assert scores.shape == (50, 4)
    assert np.allclose(scores[:, :3], pipeline.predict_proba(rows), rtol=0, atol=0)
    assert scores[:, 3].tolist() == train.decide(scores[:, :3], priors).tolist()
    assert predict.decide(scores[:, :3], priors).tolist() == train.decide(scores[:, :3], priors).tolist()


def test_encoding_map_lists_every_encoded_column_once(trained):
    dataset, pipeline, validation = trained
    metadata = train.build_metadata("v0001", dataset, validation, pipeline, b"x")
    rows = registry.registry_rows(train.ledger_row(metadata), {"v0001": COMPLETE}, "store")
    encoded = mapping.mapping_rows(rows)
    width = pipeline.named_steps["encode"].transform(dataset[train.FEATURES].head(1)).shape[1]
    assert encoded["encoded_index"].tolist() == list(range(width))
    assert set(encoded.loc[encoded["encoding"] == "standard_scaled", "feature"]) == set(train.NUMERIC_FEATURES)
    assert set(encoded.loc[encoded["encoding"] == "spline", "feature"]) == {"grid_position"}
    scaled = encoded[encoded["feature"] == "driver_standing_before"].iloc[0]
    assert scaled["missing_filled_with"] == 5.0  # the training median of a column that is 5.0 or missing


def test_a_feature_without_any_value_in_training_is_kept_as_a_constant_and_named():
    # Real exports can lack a feature for the whole window: qualifying before 1994, standings in a partial export.
    dataset = synthetic_dataset()
    dataset["driver_standing_before"] = np.nan
    pipeline, validation = train.train_and_validate(dataset, margin=0.0)
    metadata = train.build_metadata("v0001", dataset, validation, pipeline, b"x")
    assert metadata["features"]["without_values"] == ["driver_standing_before"]
    width = pipeline.named_steps["encode"].transform(dataset[train.FEATURES].head(1)).shape[1]
    assert [row["encoded_index"] for row in metadata["encoding"]] == list(range(width))
    empty = next(row for row in metadata["encoding"] if row["feature"] == "driver_standing_before")
    assert empty["missing_filled_with"] == 0.0 and empty["scale"] == 1.0
    assert validation["model"]["rows"] > 0


def test_clean_registry_removes_only_old_incomplete_versions(tmp_path, trained, capsys):
    from f1ml import clean_registry as clean

    store = train.DirectoryStore(str(tmp_path))
    train.register(store, [], *trained)
    for version in ("v0002", "v0003"):
        (tmp_path / "driver_position" / version).mkdir()
    old = tmp_path / "driver_position" / "v0002"
    __import__("os").utime(old, (0, 0))  # claimed long ago by a run that died
    clean.main(["--registry", str(tmp_path), "--min-age-minutes", "60"])
    assert sorted(store.list_versions()) == ["v0001", "v0002", "v0003"]  # listing only
    assert f"incomplete: {old}" in capsys.readouterr().out
    clean.main(["--registry", str(tmp_path), "--min-age-minutes", "60", "--delete"])
    assert sorted(store.list_versions()) == ["v0001", "v0003"]  # v0003 may still be training


def test_duckdb_udf_scores_each_row_once_and_sql_picks_the_columns(trained):
    import duckdb

    dataset, pipeline, _ = trained
    priors = train.class_priors(dataset[train.LABEL])
    rows = dataset.assign(**{column: 0 for column in predict.ROW_COLUMNS if column not in dataset}).head(200)
    scored_rows = []

    def counting_scorer(frame):
        scored_rows.append(len(frame))
        return predict.score(pipeline, priors, frame)

    con = duckdb.connect()
    con.register("hold_out", rows)
    relation = predict.predict_on_duckdb(con, con.table("hold_out"), counting_scorer, train.FEATURES, "v0001", True)
    result = relation.df().set_index("driver_race_id").loc[rows["driver_race_id"]]
    assert sum(scored_rows) == len(rows)  # one pass: not once per class
    expected = pipeline.predict_proba(rows[train.FEATURES])
    for index, column in enumerate(["prob_podium", "prob_points", "prob_no_points"]):
        assert np.abs(result[column].to_numpy() - expected[:, index]).max() <= 1e-12
    assert result["predicted_position_label"].tolist() == train.decide(expected, priors).tolist()
    assert set(result["model_version"]) == {"v0001"} and result["is_promoted"].all()
