"""Forecasts shaped like a race: coherent probabilities and at most three podium calls.

A race has three podium places and seven more points places. The model scores each driver alone, so a race's
probabilities need not add up to that; two steps make them:

1. Coherent probabilities (`coherent_probabilities`): iterative proportional fitting of the race's
   drivers x classes matrix until each driver's row sums to 1 and each class's column sums to the places it
   has (3 podium, 7 points, the rest no points). It keeps each driver's odds ratios between classes as the
   model gave them and changes the race's totals only. Chosen on the selection seasons (decision 18).
2. Race-shaped calls (`race_calls`): the race's podium places go to the drivers most likely on the podium,
   its points places to the drivers, of the others, most likely to finish in the top ten (podium or points
   chance), and no points to the rest: at most 3 podium and 7 points calls, exactly that in a field of 10 or
   more. Chosen on the selection seasons over the joint most likely assignment and each driver's most likely
   class (decision 18).

A field of fewer than MIN_COUPLED_FIELD drivers leaves no room for non-scorers in the totals (a race with
10 cars would force every car into the points), so such a race keeps the model's own probabilities; the
calls still fill the places the field has. That never happened in a modern season (one race in 1950-2024).
"""

import numpy as np
import pandas as pd

from f1ml.ml.spec import CLASS_KEYS, CLASSES, PODIUM_PLACES, POINTS_PLACES

MIN_COUPLED_FIELD = PODIUM_PLACES + POINTS_PLACES + 2
FITTING_TOLERANCE, FITTING_ROUNDS = 1e-10, 10_000


def race_places(field: int) -> np.ndarray:
    """Places of each class (podium, points, no points) in a race of `field` drivers."""
    podium = min(PODIUM_PLACES, field)
    points = min(POINTS_PLACES, field - podium)
    return np.array([podium, points, field - podium - points], dtype="float64")


def fit_to_places(races: np.ndarray) -> np.ndarray:
    """Iterative proportional fitting of races of one field size (races x drivers x classes): each driver's row
    sums to 1, each class's column to the race's places. All races step together, each until its own columns
    are within FITTING_TOLERANCE: at 100x the data a season has 2,400 races, and one at a time took 7 s."""
    fitted = np.clip(np.asarray(races, dtype="float64"), 1e-12, None)
    places = race_places(fitted.shape[1])
    active = np.arange(len(fitted))
    for _ in range(FITTING_ROUNDS):
        if len(active) == 0:
            break
        step = fitted[active]
        step = step * (places / step.sum(axis=1, keepdims=True))
        step = step / step.sum(axis=2, keepdims=True)
        fitted[active] = step
        active = active[np.abs(step.sum(axis=1) - places).max(axis=1) >= FITTING_TOLERANCE]
    return fitted


def race_order(race_ids, driver_ids) -> np.ndarray:
    """Row order by race, then driver: each race is fitted on its drivers in one order, whatever order the
    engine returned the rows in, so the same rows always give the same numbers."""
    return np.lexsort((np.asarray(driver_ids), np.asarray(race_ids)))


def race_slices(race_ids, driver_ids):
    """(positions of one race's rows in race_order) for each race."""
    order = race_order(race_ids, driver_ids)
    if len(order) == 0:
        return []
    sorted_races = np.asarray(race_ids)[order]
    boundaries = np.flatnonzero(np.r_[True, sorted_races[1:] != sorted_races[:-1], True])
    return [order[start:end] for start, end in zip(boundaries[:-1], boundaries[1:], strict=True)]


def coherent_probabilities(probabilities, race_ids, driver_ids) -> tuple[np.ndarray, np.ndarray]:
    """Each race's probabilities fitted to its places; and per row whether its race was coupled."""
    probabilities = np.asarray(probabilities, dtype="float64")
    coherent, coupled = probabilities.copy(), np.zeros(len(probabilities), dtype=bool)
    by_field = {}
    for rows in race_slices(race_ids, driver_ids):
        if len(rows) >= MIN_COUPLED_FIELD:
            by_field.setdefault(len(rows), []).append(rows)
    for races in by_field.values():
        rows = np.stack(races)  # races x drivers: positions of the rows
        coherent[rows] = fit_to_places(probabilities[rows])
        coupled[rows] = True
    return coherent, coupled


def ranked_classes(probabilities: np.ndarray) -> np.ndarray:
    """One race: podium to the highest podium chances, points to the next highest top-ten chances (ties to the
    earlier row: race_order sorts rows by driver)."""
    podium_places, points_places, _ = race_places(len(probabilities)).astype("int64")
    classes = np.full(len(probabilities), CLASSES[2])
    podium = np.argsort(-probabilities[:, 0], kind="stable")[:podium_places]
    others = np.setdiff1d(np.arange(len(probabilities)), podium)
    points = others[np.argsort(-(probabilities[others, 0] + probabilities[others, 1]), kind="stable")][:points_places]
    classes[podium], classes[points] = CLASSES[0], CLASSES[1]
    return classes


def race_calls(probabilities, race_ids, driver_ids) -> np.ndarray:
    """The race-shaped call of every row (1 podium, 2 points, 3 no points)."""
    probabilities = np.asarray(probabilities, dtype="float64")
    calls = np.zeros(len(probabilities), dtype="int64")
    for rows in race_slices(race_ids, driver_ids):
        calls[rows] = ranked_classes(probabilities[rows])
    return calls


def race_forecasts(rows: pd.DataFrame, probabilities, frequencies) -> pd.DataFrame:
    """What serving, validation and the backtest publish for scored rows (race_id, driver_id): the model's own
    probabilities (uncoupled_prob_*), the race-coherent ones (prob_*), the race-shaped call, and the frequency
    baseline's probabilities for the same rows."""
    coherent, coupled = coherent_probabilities(probabilities, rows["race_id"], rows["driver_id"])
    forecasts = pd.DataFrame(index=rows.index)
    for i, key in enumerate(CLASS_KEYS):
        forecasts[f"uncoupled_prob_{key}"] = np.asarray(probabilities, dtype="float64")[:, i]
        forecasts[f"prob_{key}"] = coherent[:, i]
        forecasts[f"frequency_prob_{key}"] = np.asarray(frequencies, dtype="float64")[:, i]
    forecasts["is_coupled"] = coupled
    forecasts["predicted_position_label"] = race_calls(coherent, rows["race_id"], rows["driver_id"])
    return forecasts
