"""Forecasts shaped like a race: coherent probabilities and the most likely race-shaped calls."""

import numpy as np
import pandas as pd
import pytest

from f1ml.ml import race


def model_probabilities(drivers=20, seed=0):
    """Probabilities like the model's for one race: favourites at the front, each row summing to 1."""
    rng = np.random.default_rng(seed)
    strength = np.linspace(3, -3, drivers) + rng.normal(0, 0.5, drivers)
    logits = np.column_stack([strength, 0.5 * strength + 1, np.zeros(drivers)])
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def test_a_race_has_3_podium_and_7_points_places_and_a_small_field_fewer():
    assert race.race_places(20).tolist() == [3, 7, 10]
    assert race.race_places(10).tolist() == [3, 7, 0]
    assert race.race_places(5).tolist() == [3, 2, 0]
    assert race.race_places(2).tolist() == [2, 0, 0]


def test_coherent_probabilities_fill_the_places_and_keep_each_drivers_odds_between_classes():
    probabilities = model_probabilities()
    coherent, coupled = race.coherent_probabilities(probabilities, np.ones(20), np.arange(20))
    assert coupled.all()
    assert coherent.sum(axis=1) == pytest.approx(np.ones(20))
    assert coherent.sum(axis=0) == pytest.approx([3, 7, 10], abs=1e-8)
    assert abs(probabilities[:, 0].sum() - 3) > 0.1  # the model's own did not add up
    # Fitting rescales whole classes: each driver's podium-to-points odds change by one common factor.
    change = np.log(coherent[:, 0] / coherent[:, 1]) - np.log(probabilities[:, 0] / probabilities[:, 1])
    assert change == pytest.approx(np.full(20, change[0]))


def test_each_race_is_fitted_alone_and_row_order_changes_nothing():
    first, second = model_probabilities(seed=1), model_probabilities(drivers=18, seed=2)
    probabilities = np.vstack([first, second])
    race_ids, driver_ids = np.repeat([7, 8], [20, 18]), np.r_[np.arange(20), np.arange(18)]
    coherent, _ = race.coherent_probabilities(probabilities, race_ids, driver_ids)
    assert coherent[20:].sum(axis=0) == pytest.approx([3, 7, 8], abs=1e-8)
    shuffle = np.random.default_rng(0).permutation(38)
    again, _ = race.coherent_probabilities(probabilities[shuffle], race_ids[shuffle], driver_ids[shuffle])
    assert np.array_equal(again, coherent[shuffle])


def test_a_field_under_twelve_keeps_the_models_probabilities():
    probabilities = model_probabilities(drivers=11)
    coherent, coupled = race.coherent_probabilities(probabilities, np.ones(11), np.arange(11))
    assert not coupled.any() and np.array_equal(coherent, probabilities)
    assert race.MIN_COUPLED_FIELD == 12


def test_the_podium_goes_to_the_likeliest_podium_finishers_and_points_to_the_likeliest_of_the_rest():
    # A hand-made race of 12, by hand: the three highest podium chances are drivers 0, 1 and 2; of the others,
    # the seven highest top-ten chances (podium + points) are 3, 4, 5, 6, 7, 8, 9 (driver 10: 0.31, 11: 0.21);
    # driver 3's podium chance (0.40) loses to driver 2's (0.45) though driver 3 is likelier in the top ten.
    probabilities = np.array(
        [[0.90, 0.09, 0.01], [0.80, 0.15, 0.05], [0.45, 0.20, 0.35], [0.40, 0.59, 0.01]]
        + [[0.05, 0.90 - 0.05 * i, 0.05 + 0.05 * i] for i in range(6)]
        + [[0.01, 0.30, 0.69], [0.01, 0.20, 0.79]]
    )
    calls = race.ranked_classes(probabilities)
    assert calls.tolist() == [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3]
    # Row order is no tie-break: the same race given in another order gives every driver the same call.
    shuffle = np.random.default_rng(1).permutation(12)
    again = race.race_calls(probabilities[shuffle], np.ones(12), np.arange(12)[shuffle])
    assert again.tolist() == calls[shuffle].tolist()


def test_small_fields_get_at_most_their_places():
    assert sorted(race.ranked_classes(model_probabilities(drivers=5)).tolist()) == [1, 1, 1, 2, 2]
    assert race.race_calls(np.empty((0, 3)), [], []).tolist() == []


def test_race_forecasts_publish_every_column_for_every_row():
    probabilities = np.vstack([model_probabilities(seed=3), model_probabilities(seed=4)])
    rows = pd.DataFrame({"race_id": np.repeat([1, 2], 20), "driver_id": np.tile(np.arange(20), 2)})
    frequencies = np.tile([0.1, 0.3, 0.6], (40, 1))
    forecasts = race.race_forecasts(rows, probabilities, frequencies)
    assert forecasts["uncoupled_prob_podium"].tolist() == probabilities[:, 0].tolist()
    assert forecasts["frequency_prob_no_points"].tolist() == [0.6] * 40
    assert forecasts.groupby(rows["race_id"])["prob_podium"].sum().tolist() == pytest.approx([3, 3])
    calls = forecasts.groupby(rows["race_id"])["predicted_position_label"].value_counts().unstack()
    assert calls[1].tolist() == [3, 3] and calls[2].tolist() == [7, 7]
