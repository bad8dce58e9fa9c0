"""The scorecard every evaluation reports: validation, backtest, hold-out season and the track record.

Scored rows carry the label, the model's race-shaped call and race-coherent probabilities, its uncoupled
probabilities, the grid rule's call and the frequency baseline's probabilities (race.race_forecasts). The
scorecard compares, on the same rows:
- the calls, model against the grid rule: accuracy, macro F1 and balanced accuracy, each difference with a
  95% interval from a paired bootstrap that resamples whole races (a race's drivers share its weather, safety
  cars and strategy, so races, not rows, are the independent units);
- the probabilities: log loss and Brier score of the model, the frequency baseline and the uncoupled
  probabilities, and the log-loss difference to the frequency baseline with its interval.
Every classification metric is computed from confusion matrices, with scikit-learn's definitions (labels
1, 2, 3; a test checks them against scikit-learn).
"""

import numpy as np
import pandas as pd

from f1ml.ml.spec import CLASS_KEYS, CLASSES, GRID_RULE_LABEL, LABEL, REPLICATES

CALL = "predicted_position_label"
CALL_METRICS = ["accuracy", "macro_f1", "balanced_accuracy"]
PROBABILITY_SOURCES = ["model", "frequency", "uncoupled"]
COUNTS = ["races", "rows_scored", "model_calls_right", "grid_rule_calls_right"]
# The scorecard's columns and their SQL types, in order (an empty table still has them).
SCORECARD_TYPES = {
    "races": "integer", "rows_scored": "integer", "model_calls_right": "integer", "grid_rule_calls_right": "integer",
    **{
        f"{prefix}{name}{suffix}": "double"
        for name in CALL_METRICS
        for prefix, suffix in [("model_", ""), ("grid_rule_", ""), ("", "_difference"), ("", "_ci_low"),
                               ("", "_ci_high")]
    },
    **{f"{who}_{name}": "double" for name in ("log_loss", "brier_score") for who in PROBABILITY_SOURCES},
    "log_loss_difference": "double", "log_loss_ci_low": "double", "log_loss_ci_high": "double",
    "podium_calls_per_race": "double",
}  # fmt: skip
PROBABILITY_SETS = {  # name in the scorecard: its probability columns
    "model": [f"prob_{key}" for key in CLASS_KEYS],
    "frequency": [f"frequency_prob_{key}" for key in CLASS_KEYS],
    "uncoupled": [f"uncoupled_prob_{key}" for key in CLASS_KEYS],
}


def accuracy(confusions: np.ndarray) -> np.ndarray:
    """Share of rows called right, for each confusion matrix of a stack (..., 3, 3)."""
    return np.trace(confusions, axis1=-2, axis2=-1) / confusions.sum(axis=(-2, -1))


def balanced_accuracy(confusions: np.ndarray) -> np.ndarray:
    """Mean recall over the classes present."""
    actual = confusions.sum(axis=-1)
    recall = np.diagonal(confusions, axis1=-2, axis2=-1) / np.where(actual > 0, actual, 1)
    return (recall * (actual > 0)).sum(axis=-1) / (actual > 0).sum(axis=-1)


def macro_f1(confusions: np.ndarray) -> np.ndarray:
    """Mean over classes 1, 2, 3 of 2 TP / (actual + called); 0 for a class neither present nor called."""
    true_positives = np.diagonal(confusions, axis1=-2, axis2=-1)
    both = confusions.sum(axis=-1) + confusions.sum(axis=-2)
    return (2 * true_positives / np.where(both > 0, both, 1)).mean(axis=-1)


METRIC_FUNCTIONS = {"accuracy": accuracy, "macro_f1": macro_f1, "balanced_accuracy": balanced_accuracy}


def race_index(rows: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Each row's race as 0..races-1, in race-id order (a fixed order, whatever order the engine returned)."""
    races = np.sort(rows["race_id"].unique())
    return rows["race_id"].map({race: i for i, race in enumerate(races)}).to_numpy(), len(races)


def race_confusions(rows: pd.DataFrame, called: str) -> np.ndarray:
    """Confusion counts per race, shape (races, 3, 3): [race, actual class - 1, called class - 1]."""
    index, races = race_index(rows)
    counts = np.zeros((races, len(CLASSES), len(CLASSES)))
    actual = rows[LABEL].to_numpy(dtype="int64") - 1
    np.add.at(counts, (index, actual, rows[called].to_numpy(dtype="int64") - 1), 1)
    return counts


def row_log_losses(labels, probabilities) -> np.ndarray:
    """-ln P(actual class) per row, probabilities clipped away from 0."""
    probabilities = np.clip(np.asarray(probabilities, dtype="float64"), np.finfo("float64").eps, 1.0)
    observed = np.asarray(labels, dtype="int64")[:, None] == np.array(CLASSES)[None, :]
    return -np.log(np.sum(probabilities * observed, axis=1))


def probability_metrics(labels, probabilities) -> dict:
    """Log loss (natural log) and the multi-class Brier score (sum over classes, mean over rows)."""
    probabilities = np.asarray(probabilities, dtype="float64")
    observed = (np.asarray(labels, dtype="int64")[:, None] == np.array(CLASSES)[None, :]).astype("float64")
    return {
        "log_loss": float(row_log_losses(labels, probabilities).mean()),
        "brier_score": float(np.mean(np.sum((probabilities - observed) ** 2, axis=1))),
    }


def race_weights(races: int, replicates: int, seed: int) -> np.ndarray:
    """How often each race is drawn in each bootstrap resample, shape (replicates, races)."""
    return np.random.default_rng(seed).multinomial(races, np.full(races, 1 / races), size=replicates)


def resampled(weights: np.ndarray, confusions: np.ndarray) -> np.ndarray:
    """The confusion matrix of each bootstrap resample: its races' matrices, each as often as it was drawn. One
    matrix product (counts are integers, so exact in any order); einsum took ten times as long at 100x the data."""
    races = confusions.shape[0]
    return (weights @ confusions.reshape(races, -1)).reshape(len(weights), *confusions.shape[1:])


def interval(differences: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(low), float(high)


def scorecard(rows: pd.DataFrame, seed: int, replicates: int = REPLICATES) -> tuple[dict, dict]:
    """The metrics of scored rows, and the bootstrap replicates of each difference (for averaging seasons).
    With replicates=0 (one race, say) the intervals are left out (null)."""
    index, races = race_index(rows)
    weights = race_weights(races, replicates, seed) if replicates else None
    model, grid = race_confusions(rows, CALL), race_confusions(rows, GRID_RULE_LABEL)
    card = {"races": races, "rows_scored": int(len(rows))}
    replicate_differences = {}
    for name, metric in METRIC_FUNCTIONS.items():
        card[f"model_{name}"] = float(metric(model.sum(axis=0)))
        card[f"grid_rule_{name}"] = float(metric(grid.sum(axis=0)))
        card[f"{name}_difference"] = card[f"model_{name}"] - card[f"grid_rule_{name}"]
        if weights is not None:
            replicate_differences[name] = metric(resampled(weights, model)) - metric(resampled(weights, grid))
    for name, columns in PROBABILITY_SETS.items():
        for metric, value in probability_metrics(rows[LABEL], rows[columns].to_numpy()).items():
            card[f"{name}_{metric}"] = value
    card["log_loss_difference"] = card["model_log_loss"] - card["frequency_log_loss"]
    if weights is not None:
        per_race = {
            name: np.bincount(index, row_log_losses(rows[LABEL], rows[PROBABILITY_SETS[name]].to_numpy()), races)
            for name in ("model", "frequency")
        }
        resampled_rows = weights @ np.bincount(index, minlength=races)
        replicate_differences["log_loss"] = (
            weights @ per_race["model"] - weights @ per_race["frequency"]
        ) / resampled_rows
    for name in [*CALL_METRICS, "log_loss"]:
        low_high = interval(replicate_differences[name]) if weights is not None else (None, None)
        card[f"{name}_ci_low"], card[f"{name}_ci_high"] = low_high
    card["model_calls_right"] = int(np.trace(model.sum(axis=0)))
    card["grid_rule_calls_right"] = int(np.trace(grid.sum(axis=0)))
    card["podium_calls_per_race"] = float((rows[CALL] == 1).sum() / races)
    return card, replicate_differences


def mean_scorecard(cards: list[dict], replicate_differences: list[dict]) -> dict:
    """Means over seasons, each difference's interval from the per-season replicates averaged (races
    resampled within each season, independently)."""
    frame = pd.DataFrame(cards)
    card = frame.mean(numeric_only=True).to_dict()
    card.update({column: int(frame[column].sum()) for column in COUNTS})
    for name in [*CALL_METRICS, "log_loss"]:
        averaged = np.mean([differences[name] for differences in replicate_differences], axis=0)
        card[f"{name}_ci_low"], card[f"{name}_ci_high"] = interval(averaged)
    return card
