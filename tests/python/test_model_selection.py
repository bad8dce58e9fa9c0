"""The alternatives model selection compares the served choices with, on hand-made cases."""

import itertools

import numpy as np
import pandas as pd

from f1ml.dev import model_selection
from f1ml.ml.spec import FEATURES


def brute_force_best(probabilities):
    """Every way to pick 3 podium and then 7 points drivers; the one with the largest summed log probability."""
    drivers, logs = range(len(probabilities)), np.log(probabilities)
    best, best_score = None, -np.inf
    for podium in itertools.combinations(drivers, 3):
        rest = [d for d in drivers if d not in podium]
        for points in itertools.combinations(rest, 7):
            calls = np.full(len(probabilities), 3)
            calls[list(podium)], calls[list(points)] = 1, 2
            score = logs[np.arange(len(calls)), calls - 1].sum()
            if score > best_score:
                best, best_score = calls, score
    return best


def test_the_joint_most_likely_assignment_is_the_brute_force_best():
    rng = np.random.default_rng(5)
    for _ in range(3):
        race = rng.dirichlet([1, 1, 1], 12)
        assert model_selection.most_likely_classes(race).tolist() == brute_force_best(race).tolist()


def test_one_hot_columns_are_learned_from_training_rows_only_and_an_unseen_category_is_infrequent():
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({feature: rng.uniform(0, 1, 300) for feature in FEATURES})
    rows["constructor_team"] = np.where(np.arange(300) < 200, "Ferrari", "newcomer")
    labels = rng.choice([1, 2, 3], 300)
    pipeline = model_selection.variant_pipeline(FEATURES[1:], ["constructor_team"], 0.1, None)
    pipeline.fit(rows.iloc[:200][[*FEATURES, "constructor_team"]], labels[:200])
    one_hot = pipeline.named_steps["encode"].named_transformers_["nominal"]
    assert list(one_hot.categories_[0]) == ["Ferrari"]  # "newcomer" only in the rows not fitted
    probabilities = pipeline.predict_proba(rows.iloc[200:][[*FEATURES, "constructor_team"]])
    assert np.allclose(probabilities.sum(axis=1), 1.0)
