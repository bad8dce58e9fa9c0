"""Out-of-sample predictions of a rolling backtest: how the model would have done, season after season.

Each of the last `backtest_seasons` seasons of the data in turn is held out and predicted by a model
trained exactly as the retrain job trains one for that hold-out season: on the `training_seasons`
seasons before it, with the same features, Pipeline, settings and decision rule. (The code is the
training model's, repeated because a dbt Python model cannot import another; tests/python/
test_model_edges.py keeps the copies identical.) Next to each prediction: the grid rule's class, and the
frequency baseline's probabilities from the same training seasons.

The settings were chosen on earlier seasons (var selection_seasons, f1-model-selection); a backtest
season that was also a selection season is flagged, and ml_backtest leaves it out of its summary.
ml_backtest scores these rows per season, with intervals; ml_calibration bins their probabilities.
"""

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

LABEL = "position_label"
BASELINE = "grid_baseline_label"
CLASSES = [1, 2, 3]
# The settings below were chosen with f1-model-selection on the validation seasons 2012-2014 only,
# before the first backtest season (docs/model_card.md); the backtest never chose anything.
SPLINE_FEATURE = "grid_position"
NUMERIC_FEATURES = [
    "pit_lane_start", "qualifying_position", "qualifying_gap_to_pole_pct", "grid_penalty_places",
    "teammate_grid_delta", "teammate_qualifying_gap_pct", "driver_standing_before", "driver_points_share_before",
    "constructor_standing_before", "constructor_points_share_before", "driver_finish_avg_5", "driver_finish_avg_10",
    "driver_top_ten_rate_10", "driver_podium_rate_10", "driver_confidence", "constructor_finish_avg_5",
    "constructor_finish_avg_10", "constructor_top_ten_rate_10", "constructor_podium_rate_10",
    "constructor_reliability",
]  # fmt: skip
FEATURES = [SPLINE_FEATURE, *NUMERIC_FEATURES]
REGULARIZATION_C = 0.1
# Nominal features (driver, team...) are supported for model selection, which found they do not help:
# categories seen in fewer training rows than this share one "infrequent" column, as unseen ones do.
MIN_CATEGORY_ROWS = 50
# The frequency baseline: class frequencies per grid slot in the training rows, slots beyond this one
# pooled, with add-one smoothing so that no class has probability 0.
GRID_SLOTS = 20
# As in training: at least one season to fit on and the last one to validate on.
MIN_TRAINING_SEASONS = 2


def build_pipeline(numeric=NUMERIC_FEATURES, nominal=(), c=REGULARIZATION_C) -> Pipeline:
    # A feature with no value in the training rows (e.g. qualifying before 1994, or standings in data that
    # lack them) is kept as a constant 0, so it carries no weight and the encoded columns keep their order.
    impute = SimpleImputer(strategy="median", keep_empty_features=True)
    encoders = [
        ("grid", make_pipeline(clone(impute), SplineTransformer(n_knots=5)), [SPLINE_FEATURE]),
        ("numeric", make_pipeline(clone(impute), StandardScaler()), list(numeric)),
    ]
    if nominal:
        one_hot = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_CATEGORY_ROWS)
        encoders.append(("nominal", one_hot, list(nominal)))
    classifier = LogisticRegression(C=c, max_iter=5000)
    return Pipeline([("encode", ColumnTransformer(encoders)), ("classify", classifier)])


def class_priors(labels) -> np.ndarray:
    """Share of each class (1, 2, 3) among the labels."""
    counts = pd.Series(labels).value_counts().reindex(CLASSES, fill_value=0).to_numpy(dtype="float64")
    return counts / counts.sum()


def decide(probabilities: np.ndarray, priors) -> np.ndarray:
    """The class whose probability is largest relative to its training frequency; ties go to the better finish.

    For balanced accuracy (mean recall over classes) this beats the plain argmax, and it leaves the
    probabilities themselves untouched.
    """
    return np.array(CLASSES)[np.argmax(probabilities / np.asarray(priors, dtype="float64"), axis=1)]


def grid_slot_frequencies(grid_position, labels) -> list[list[float]]:
    """Frequency baseline: P(class | grid slot) from training rows, one row per slot 1..GRID_SLOTS."""
    slots = np.clip(np.asarray(grid_position, dtype="float64"), 1, GRID_SLOTS).astype("int64")
    counts = pd.crosstab(slots, np.asarray(labels)).reindex(
        index=range(1, GRID_SLOTS + 1), columns=CLASSES, fill_value=0
    )
    smoothed = counts.to_numpy(dtype="float64") + 1.0
    return (smoothed / smoothed.sum(axis=1, keepdims=True)).tolist()


def frequency_probabilities(frequencies: list[list[float]], grid_position) -> np.ndarray:
    slots = np.clip(np.asarray(grid_position, dtype="float64"), 1, GRID_SLOTS).astype("int64")
    return np.asarray(frequencies)[slots - 1]


def backtest_seasons(seasons, count: int, training_seasons: int) -> list[int]:
    """The last `count` seasons of the data that have MIN_TRAINING_SEASONS seasons of data in their training
    window, oldest first: an export of a few recent seasons backtests fewer seasons rather than failing."""
    present = sorted(set(int(season) for season in seasons))
    usable = [s for s in present if sum(s - training_seasons <= p < s for p in present) >= MIN_TRAINING_SEASONS]
    if not usable:
        raise ValueError(
            f"no season of the data ({present[0] if present else '-'} to {present[-1] if present else '-'}) has "
            f"{MIN_TRAINING_SEASONS} seasons before it: the backtest needs {MIN_TRAINING_SEASONS + 1} seasons"
        )
    return usable[-count:]


def backtest_season(data: pd.DataFrame, season: int, training_seasons: int) -> pd.DataFrame:
    """Train on the `training_seasons` seasons before `season`, as the retrain job would; predict `season`."""
    train = data[data["race_year"].between(season - training_seasons, season - 1)]
    test = data[data["race_year"] == season]
    if train["race_year"].nunique() < MIN_TRAINING_SEASONS:
        raise ValueError(f"backtest season {season}: fewer than {MIN_TRAINING_SEASONS} training seasons before it")
    probabilities = build_pipeline().fit(train[FEATURES], train[LABEL]).predict_proba(test[FEATURES])
    frequencies = frequency_probabilities(
        grid_slot_frequencies(train[SPLINE_FEATURE], train[LABEL]), test[SPLINE_FEATURE]
    )
    rows = test[["driver_race_id", "race_id", "race_round", LABEL, BASELINE]].reset_index(drop=True)
    rows.insert(0, "backtest_season", season)
    rows["training_first_season"] = int(train["race_year"].min())
    rows["training_last_season"] = int(train["race_year"].max())
    for i, name in enumerate(["podium", "points", "no_points"]):
        rows[f"prob_{name}"] = probabilities[:, i]
        rows[f"frequency_prob_{name}"] = frequencies[:, i]
    rows["predicted_position_label"] = decide(probabilities, class_priors(train[LABEL]))
    return rows


def canonical_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in key order, the label as int64: engines return rows in any order and integers of any width, and
    the fitted model's bytes depend on both."""
    return rows.sort_values("driver_race_id").reset_index(drop=True).astype({LABEL: "int64"})


def backtest(data: pd.DataFrame, seasons: int, training_seasons: int, selection_seasons) -> pd.DataFrame:
    data = canonical_rows(data)
    frames = [
        backtest_season(data, season, training_seasons)
        for season in backtest_seasons(data["race_year"], seasons, training_seasons)
    ]
    predictions = pd.concat(frames, ignore_index=True)
    predictions["used_in_selection"] = predictions["backtest_season"].isin(list(selection_seasons))
    return predictions


# --- engine edges ----------------------------------------------------------------------------------------


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if settings["engine"] == "snowflake" else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3", "scikit-learn==1.5.2", "numpy"], python_version="3.11")
    settings = dbt.config.get("meta")
    data = to_pandas(
        dbt.ref("ml_data_prep").select(
            "driver_race_id", "race_id", "race_year", "race_round", LABEL, BASELINE, *FEATURES
        )
    )
    selection = [int(season) for season in str(settings["selection_seasons"]).split(",") if season.strip()]
    predictions = backtest(data, int(settings["backtest_seasons"]), int(settings["training_seasons"]), selection)
    return to_engine(predictions, settings)
