"""Training, the artifact store, the registry and prediction, on a small synthetic season set."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import load_model_file

train = load_model_file("models/ml/training_and_prediction/train_model_to_predict_position.py")
registry = load_model_file("models/ml/training_and_prediction/ml_model_registry.py")
predict = load_model_file("models/ml/training_and_prediction/apply_prediction_to_position.py")
mapping = load_model_file("models/ml/prep_encoding_splitting/encoding_mapping.py")


def synthetic_dataset(seed=0, rows_per_season=120):
    """Grid drives the label, plus noise; two training seasons and one validation season."""
    rng = np.random.default_rng(seed)
    frames = []
    for year, split in [(2021, "train"), (2022, "train"), (2023, "test")]:
        grid = rng.integers(1, 21, rows_per_season)
        noisy = np.clip(grid + rng.normal(0, 3, rows_per_season), 1, 20)
        frames.append(
            pd.DataFrame(
                {
                    "driver_race_id": [f"{year}-{n}" for n in range(rows_per_season)],
                    "race_year": year,
                    "circuit_name": rng.choice(["Monza", "Spa", "Suzuka"], rows_per_season),
                    "constructor_team": rng.choice(["Ferrari", "McLaren", "other"], rows_per_season),
                    "driver_ref": rng.choice(["leclerc", "norris", "other"], rows_per_season),
                    "grid_position": grid,
                    "driver_age_years": rng.integers(19, 40, rows_per_season),
                    "driver_confidence": rng.uniform(0.6, 1.0, rows_per_season),
                    "constructor_reliability": rng.uniform(0.6, 1.0, rows_per_season),
                    "driver_avg_pit_stops": np.where(rng.random(rows_per_season) < 0.1, np.nan, 2.0),
                    "driver_prior_races": rng.integers(0, 300, rows_per_season),
                    "driver_recent_finish": rng.uniform(1, 20, rows_per_season),
                    "constructor_recent_finish": rng.uniform(1, 20, rows_per_season),
                    "position_label": np.select([noisy <= 3, noisy <= 10], [1, 2], 3),
                    "grid_baseline_label": np.select([grid <= 3, grid <= 10], [1, 2], 3),
                    "dataset_split": split,
                    "holdout_season": 2024,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_classification_metrics_match_hand_counts():
    metrics = train.classification_metrics([1, 1, 2, 3, 3, 3], [1, 2, 2, 3, 3, 1])
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["recall_by_class"] == {"1": 0.5, "2": 1.0, "3": pytest.approx(2 / 3)}
    assert metrics["balanced_accuracy"] == pytest.approx((0.5 + 1 + 2 / 3) / 3)
    assert metrics["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    # f1 per class: 1 -> 2*1/(2+2)=0.5; 2 -> 2*1/(1+2)=2/3; 3 -> 2*2/(3+2)=0.8
    assert metrics["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)


def test_validation_uses_the_last_season_and_reports_the_baseline_on_the_same_rows():
    dataset = synthetic_dataset()
    pipeline, report = train.train_and_validate(dataset)
    assert report["validation_season"] == 2023
    assert report["model"]["rows"] == report["grid_baseline"]["rows"] == 120
    assert 0 <= report["model"]["balanced_accuracy"] <= 1
    assert list(pipeline.classes_) == [1, 2, 3]


def test_encoders_are_fitted_on_training_rows_only():
    dataset = synthetic_dataset()
    dataset.loc[dataset["dataset_split"] == "test", "circuit_name"] = "Baku"  # only in validation rows
    validation_fit = train.build_pipeline().fit(
        dataset.loc[dataset["dataset_split"] == "train", train.FEATURES],
        dataset.loc[dataset["dataset_split"] == "train", train.LABEL],
    )
    categories = validation_fit.named_steps["encode"].named_transformers_["nominal"].categories_[0]
    assert "Baku" not in categories
    _, report = train.train_and_validate(dataset)  # unknown category at validation: ignored, not an error
    assert report["model"]["rows"] == 120


def test_missing_split_is_a_clear_error():
    dataset = synthetic_dataset()
    with pytest.raises(ValueError, match="needs train and test rows"):
        train.train_and_validate(dataset[dataset["dataset_split"] == "train"])


def test_register_adds_versions_and_never_overwrites(tmp_path):
    dataset = synthetic_dataset()
    pipeline, report = train.train_and_validate(dataset)
    store = train.DirectoryWriter(str(tmp_path))
    first = train.register(store, dataset, pipeline, report)
    second = train.register(store, dataset, pipeline, report)
    assert (first["model_version"], second["model_version"]) == ("v0001", "v0002")
    assert (tmp_path / "driver_position/v0001/model.joblib").read_bytes()
    with pytest.raises(FileExistsError):
        store.write_new("driver_position/v0001/model.joblib", b"replacement")
    meta = json.loads((tmp_path / "driver_position/v0002/metadata.json").read_text())
    assert meta["training_window"] == {
        "first_season": 2021,
        "last_season": 2023,
        "validation_season": 2023,
        "holdout_season": 2024,
    }
    assert meta["library_versions"]["scikit-learn"]
    assert {"model", "grid_baseline"} == set(meta["validation_metrics"])
    assert meta["row_counts"] == {"train": 240, "validation": 120, "refit": 360}


def test_registry_lists_versions_and_explains_an_empty_store(tmp_path):
    store = registry.DirectoryReader(str(tmp_path))
    with pytest.raises(RuntimeError, match="Run the retrain job first"):
        registry.read_all_metadata(store)
    dataset = synthetic_dataset()
    pipeline, report = train.train_and_validate(dataset)
    for _ in range(2):
        train.register(train.DirectoryWriter(str(tmp_path)), dataset, pipeline, report)
    rows = registry.registry_rows(registry.read_all_metadata(store), store.location)
    assert rows["model_version"].tolist() == ["v0001", "v0002"]
    assert rows["is_latest"].tolist() == [False, True]
    assert rows["artifact_path"].iloc[1].endswith("driver_position/v0002/model.joblib")

    versions = mapping.mapping_rows(rows)
    one_hot = versions[(versions["model_version"] == "v0001") & (versions["encoding"] == "one_hot")]
    assert set(one_hot[one_hot["feature"] == "circuit_name"]["value"]) == {"Monza", "Spa", "Suzuka"}
    assert versions.groupby("model_version")["encoded_index"].apply(lambda s: s.is_unique).all()


def test_select_version_latest_pinned_and_unknown():
    rows = pd.DataFrame({"model_version": ["v0001", "v0002"], "is_latest": [False, True]})
    assert predict.select_version(rows, None)["model_version"] == "v0002"
    assert predict.select_version(rows, "")["model_version"] == "v0002"
    assert predict.select_version(rows, "v0001")["model_version"] == "v0001"
    with pytest.raises(ValueError, match="v0009 is not registered"):
        predict.select_version(rows, "v0009")


def _registered(tmp_path):
    dataset = synthetic_dataset()
    pipeline, report = train.train_and_validate(dataset)
    meta = train.register(train.DirectoryWriter(str(tmp_path)), dataset, pipeline, report)
    artifact = (tmp_path / "driver_position" / meta["model_version"] / "model.joblib").read_bytes()
    return meta, artifact


def test_tampered_artifact_is_refused(tmp_path):
    meta, artifact = _registered(tmp_path)
    model = predict.verified_model(artifact, meta["artifact_sha256"], meta["library_versions"], "v0001")
    assert list(model.classes_) == [1, 2, 3]
    tampered = artifact[:-1] + bytes([artifact[-1] ^ 1])
    with pytest.raises(ValueError, match="Refusing to load"):
        predict.verified_model(tampered, meta["artifact_sha256"], meta["library_versions"], "v0001")


def test_other_scikit_learn_version_is_refused(tmp_path):
    meta, artifact = _registered(tmp_path)
    older = {**meta["library_versions"], "scikit-learn": "0.24.2"}
    with pytest.raises(ValueError, match="trained with scikit-learn 0.24.2"):
        predict.verified_model(artifact, meta["artifact_sha256"], older, "v0001")


def test_udf_body_takes_series_or_scalars_and_handles_unseen_drivers(tmp_path):
    meta, artifact = _registered(tmp_path)
    model = predict.verified_model(artifact, meta["artifact_sha256"], meta["library_versions"], "v0001")
    features = meta["features"]["nominal"] + meta["features"]["numeric"]
    row = ["Monza", "Ferrari", "a_rookie_never_seen", 2.0, 21.0, None, None, None, 0.0, None, 5.5]
    scalar = [predict.class_probability(model, features, label, row).iloc[0] for label in (1, 2, 3)]
    assert sum(scalar) == pytest.approx(1.0)
    columns = [pd.Series([value, value]) for value in row]
    vectorized = predict.class_probability(model, features, pd.Series([1, 1]), columns)
    assert vectorized.tolist() == pytest.approx([scalar[0], scalar[0]])


def test_predicted_class_is_the_most_probable_one():
    sql = predict.predicted_class_sql({1: "a", 2: "b", 3: "c"})
    import duckdb

    cases = [(0.5, 0.3, 0.2, 1), (0.2, 0.5, 0.3, 2), (0.2, 0.3, 0.5, 3), (0.4, 0.4, 0.2, 1), (0.2, 0.4, 0.4, 2)]
    for a, b, c, expected in cases:
        assert duckdb.sql(f"select {sql} from (select {a} as a, {b} as b, {c} as c)").fetchall()[0][0] == expected
