"""The frequency baseline: how often each grid slot ended on the podium, in the points or with none.

The grid rule (grid 1-3 podium, 4-10 points) is a column of the features (grid_baseline_label); this is its
probabilistic twin, the bar the model's log loss must clear. Class frequencies per grid slot come from the
training rows, slots beyond GRID_SLOTS pooled, with add-one smoothing so that no class has probability 0.
"""

import numpy as np
import pandas as pd

from f1ml.ml.spec import CLASSES, GRID_SLOTS


def grid_slot_frequencies(grid_position, labels) -> list[list[float]]:
    """P(class | grid slot) from training rows, one row per slot 1..GRID_SLOTS."""
    slots = np.clip(np.asarray(grid_position, dtype="float64"), 1, GRID_SLOTS).astype("int64")
    counts = pd.crosstab(slots, np.asarray(labels)).reindex(
        index=range(1, GRID_SLOTS + 1), columns=CLASSES, fill_value=0
    )
    smoothed = counts.to_numpy(dtype="float64") + 1.0
    return (smoothed / smoothed.sum(axis=1, keepdims=True)).tolist()


def frequency_probabilities(frequencies: list[list[float]], grid_position) -> np.ndarray:
    slots = np.clip(np.asarray(grid_position, dtype="float64"), 1, GRID_SLOTS).astype("int64")
    return np.asarray(frequencies)[slots - 1]
