"""Synthetic seasons for the ML unit tests: real race structure (every driver of a race, one grid each), labels
from a finishing order that follows the grid, a form feature the grid rule does not see, and noise."""

import numpy as np
import pandas as pd

from f1ml.ml.spec import NUMERIC_FEATURES


def synthetic_seasons(first=2021, last=2023, races=6, drivers=20, seed=0, noise=3.0, form_effect=0.0):
    rng = np.random.default_rng(seed)
    frames = []
    for year in range(first, last + 1):
        for race in range(races):
            race_id = year * 100 + race
            grid = rng.permutation(drivers) + 1.0
            frame = pd.DataFrame({feature: rng.uniform(0, 1, drivers) for feature in NUMERIC_FEATURES})
            frame["driver_standing_before"] = np.where(rng.random(drivers) < 0.1, np.nan, 5.0)  # imputed
            pace = grid + form_effect * (frame["driver_finish_avg_5"] - 0.5) + rng.normal(0, noise, drivers)
            order = pace.rank(method="first").to_numpy()
            frame["grid_position"] = grid
            frame["race_id"] = race_id
            frame["driver_id"] = np.arange(drivers) + 1
            frame["driver_race_id"] = [f"{race_id}-{driver}" for driver in frame["driver_id"]]
            frame["race_year"] = year
            frame["race_round"] = race + 1
            frame["position_label"] = np.select([order <= 3, order <= 10], [1, 2], 3)
            frame["grid_baseline_label"] = np.select([grid <= 3, grid <= 10], [1, 2], 3)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def training_dataset(**options) -> pd.DataFrame:
    """Three seasons as training_testing_dataset gives them: two to train on, the last to validate on."""
    data = synthetic_seasons(**options)
    last = data["race_year"].max()
    return data.assign(
        dataset_split=np.where(data["race_year"] == last, "validation", "train"), hold_out_season=last + 1
    )
