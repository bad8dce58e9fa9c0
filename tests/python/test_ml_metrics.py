"""The scorecard: metrics from confusion matrices (scikit-learn's definitions), the paired race bootstrap."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from f1ml.ml import metrics


def scored_rows(labels, calls, grid, races, probabilities=None):
    probabilities = np.full((len(labels), 3), 1 / 3) if probabilities is None else np.asarray(probabilities)
    frame = pd.DataFrame({"race_id": races, "position_label": labels, "predicted_position_label": calls,
                          "grid_baseline_label": grid})  # fmt: skip
    for source in ("prob", "frequency_prob", "uncoupled_prob"):
        for i, key in enumerate(["podium", "points", "no_points"]):
            frame[f"{source}_{key}"] = probabilities[:, i]
    return frame


def test_metrics_from_confusion_matrices_equal_scikit_learn():
    rng = np.random.default_rng(3)
    for labels_present in ([1, 2, 3], [1, 3]):  # a class absent from the truth too
        labels, calls = rng.choice(labels_present, 200), rng.choice([1, 2, 3], 200)
        confusions = metrics.race_confusions(
            scored_rows(labels, calls, calls, np.zeros(200)), "predicted_position_label"
        )
        total = confusions.sum(axis=0)
        assert metrics.accuracy(total) == pytest.approx(accuracy_score(labels, calls))
        expected_f1 = f1_score(labels, calls, labels=[1, 2, 3], average="macro", zero_division=0)
        assert metrics.macro_f1(total) == pytest.approx(expected_f1)
        with warnings.catch_warnings():  # scikit-learn warns that a call is of a class absent from the truth
            warnings.simplefilter("ignore", UserWarning)
            assert metrics.balanced_accuracy(total) == pytest.approx(balanced_accuracy_score(labels, calls))


def test_probability_metrics_match_hand_computation():
    result = metrics.probability_metrics([1, 3], [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]])
    assert result["log_loss"] == pytest.approx(-(np.log(0.5) + np.log(0.3)) / 2)
    # row 1: (0.5-1)^2 + 0.3^2 + 0.2^2 = 0.38; row 2: 0.1^2 + 0.6^2 + (0.3-1)^2 = 0.86
    assert result["brier_score"] == pytest.approx((0.38 + 0.86) / 2)
    assert np.isfinite(metrics.probability_metrics([1], [[0.0, 1.0, 0.0]])["log_loss"])  # clipped, not infinite


def two_races():
    """Race 1: the model right on all 3 rows, the grid wrong on 1. Race 2: the model right on 2, the grid on 2."""
    return scored_rows(labels=[1, 2, 3, 1, 2, 3], calls=[1, 2, 3, 1, 3, 3], grid=[1, 3, 3, 1, 2, 2],
                       races=[1, 1, 1, 2, 2, 2])  # fmt: skip


def test_the_bootstrap_resamples_whole_races_paired():
    """With two races, a resample holds race 1 twice, race 2 twice, or one of each: three possible values, each
    a difference of the model and the grid rule on the same races."""
    card, replicates = metrics.scorecard(two_races(), seed=1, replicates=400)
    race_1, race_2 = 1.0 - 2 / 3, 2 / 3 - 2 / 3  # accuracy differences of each race alone
    assert set(np.round(replicates["accuracy"], 9)) == set(np.round([race_1, race_2, (race_1 + race_2) / 2], 9))
    assert card["accuracy_difference"] == pytest.approx(5 / 6 - 4 / 6)
    assert card["accuracy_ci_low"] <= card["accuracy_difference"] <= card["accuracy_ci_high"]
    assert (card["model_calls_right"], card["grid_rule_calls_right"], card["races"]) == (5, 4, 2)


def test_log_loss_difference_and_its_interval_weigh_races_by_their_rows():
    probabilities = [[0.8, 0.1, 0.1]] * 2 + [[0.2, 0.3, 0.5]] * 4
    rows = scored_rows([1, 1, 3, 3, 3, 3], [1] * 6, [1] * 6, [1, 1, 2, 2, 2, 2], probabilities)
    rows[["frequency_prob_podium", "frequency_prob_points", "frequency_prob_no_points"]] = 1 / 3
    card, replicates = metrics.scorecard(rows, seed=0, replicates=300)
    model = -(2 * np.log(0.8) + 4 * np.log(0.5)) / 6
    assert card["model_log_loss"] == pytest.approx(model)
    assert card["log_loss_difference"] == pytest.approx(model - np.log(3))
    race_alone = {-np.log(0.8) - np.log(3), -np.log(0.5) - np.log(3), model - np.log(3)}
    assert set(np.round(replicates["log_loss"], 9)) == set(np.round(list(race_alone), 9))


def test_without_resamples_the_intervals_are_left_out():
    card, replicates = metrics.scorecard(two_races(), seed=1, replicates=0)
    assert card["accuracy_ci_low"] is None and card["log_loss_ci_high"] is None and replicates == {}
    assert set(card) == set(metrics.SCORECARD_TYPES)


def test_the_mean_of_seasons_averages_figures_and_adds_counts():
    first, first_replicates = metrics.scorecard(two_races(), seed=1, replicates=50)
    second, second_replicates = metrics.scorecard(two_races().assign(race_id=[3, 3, 3, 4, 4, 4]), seed=2, replicates=50)
    mean = metrics.mean_scorecard([first, second], [first_replicates, second_replicates])
    assert mean["races"] == 4 and mean["model_calls_right"] == 10
    assert mean["accuracy_difference"] == pytest.approx(first["accuracy_difference"])
    averaged = (first_replicates["accuracy"] + second_replicates["accuracy"]) / 2
    assert (mean["accuracy_ci_low"], mean["accuracy_ci_high"]) == metrics.interval(averaged)
