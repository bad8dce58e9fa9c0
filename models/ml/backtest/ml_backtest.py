"""The backtest's verdict: the model against the baselines, season by season, with 95% intervals.

Per backtest season (from ml_backtest_predictions): balanced accuracy and macro F1 of the model and of the
grid rule, log loss and Brier score of the model and of the frequency baseline, and the balanced-accuracy
difference (model - grid rule) with a 95% interval from a paired bootstrap that resamples whole races
(races, not rows, are the independent units: a race's drivers share its weather, safety cars and
strategy). A last row, scope `all_seasons`, averages the seasons not used to choose the settings; its
interval resamples races within each season, independently, and averages the differences.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score, recall_score

LABEL = "position_label"
BASELINE = "grid_baseline_label"
CLASSES = [1, 2, 3]
PROBABILITIES = ["prob_podium", "prob_points", "prob_no_points"]
FREQUENCIES = ["frequency_prob_podium", "frequency_prob_points", "frequency_prob_no_points"]
REPLICATES = 2000


def classification_metrics(y_true, y_pred) -> dict:
    recalls = recall_score(y_true, y_pred, labels=CLASSES, average=None, zero_division=0)
    return {
        "rows": int(len(y_true)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=CLASSES, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "recall_by_class": {str(label): float(recall) for label, recall in zip(CLASSES, recalls, strict=True)},
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=CLASSES).tolist(),
    }


def probability_metrics(y_true, probabilities) -> dict:
    """Log loss (natural log) and the multi-class Brier score (sum over classes, mean over rows)."""
    probabilities = np.asarray(probabilities, dtype="float64")
    observed = (np.asarray(y_true)[:, None] == np.array(CLASSES)[None, :]).astype("float64")
    clipped = np.clip(probabilities, np.finfo("float64").eps, 1.0)
    return {
        "log_loss": float(-np.mean(np.log(np.sum(clipped * observed, axis=1)))),
        "brier_score": float(np.mean(np.sum((probabilities - observed) ** 2, axis=1))),
    }


def race_confusions(season: pd.DataFrame, predicted: str) -> np.ndarray:
    """Confusion counts per race, shape (races, 3, 3): [race, actual class - 1, predicted class - 1]."""
    races = np.sort(season["race_id"].unique())  # a fixed order, whatever order the engine returns rows in
    race_index = season["race_id"].map({race: i for i, race in enumerate(races)}).to_numpy()
    counts = np.zeros((len(races), len(CLASSES), len(CLASSES)))
    np.add.at(counts, (race_index, season[LABEL].to_numpy() - 1, season[predicted].to_numpy() - 1), 1)
    return counts


def balanced_accuracy(confusions: np.ndarray) -> np.ndarray:
    """Mean recall over the classes present, for each confusion matrix of a stack (..., 3, 3)."""
    actual = confusions.sum(axis=-1)
    recall = np.diagonal(confusions, axis1=-2, axis2=-1) / np.where(actual > 0, actual, 1)
    return (recall * (actual > 0)).sum(axis=-1) / (actual > 0).sum(axis=-1)


def bootstrap_differences(season: pd.DataFrame, replicates: int, seed: int) -> np.ndarray:
    """Balanced accuracy, model - grid rule, on `replicates` resamples of the season's races (paired:
    both predictors are scored on the same resampled races)."""
    model, grid = race_confusions(season, "predicted_position_label"), race_confusions(season, BASELINE)
    races = len(model)
    weights = np.random.default_rng(seed).multinomial(races, np.full(races, 1 / races), size=replicates)
    resampled = lambda confusions: np.einsum("br,rij->bij", weights, confusions)  # noqa: E731
    return balanced_accuracy(resampled(model)) - balanced_accuracy(resampled(grid))


def season_row(season: pd.DataFrame, differences: np.ndarray) -> dict:
    model = classification_metrics(season[LABEL], season["predicted_position_label"])
    grid = classification_metrics(season[LABEL], season[BASELINE])
    model_probabilities = probability_metrics(season[LABEL], season[PROBABILITIES].to_numpy())
    frequency = probability_metrics(season[LABEL], season[FREQUENCIES].to_numpy())
    low, high = np.percentile(differences, [2.5, 97.5])
    return {
        "scope": "season",
        "backtest_season": int(season["backtest_season"].iloc[0]),
        "training_first_season": int(season["training_first_season"].iloc[0]),
        "training_last_season": int(season["training_last_season"].iloc[0]),
        "seasons_scored": 1,
        "races": int(season["race_id"].nunique()),
        "rows_scored": int(len(season)),
        "model_balanced_accuracy": model["balanced_accuracy"],
        "baseline_balanced_accuracy": grid["balanced_accuracy"],
        "balanced_accuracy_difference": model["balanced_accuracy"] - grid["balanced_accuracy"],
        "difference_ci_low": float(low),
        "difference_ci_high": float(high),
        "model_macro_f1": model["macro_f1"],
        "baseline_macro_f1": grid["macro_f1"],
        "model_log_loss": model_probabilities["log_loss"],
        "frequency_log_loss": frequency["log_loss"],
        "model_brier_score": model_probabilities["brier_score"],
        "frequency_brier_score": frequency["brier_score"],
        "seasons_log_loss_below_frequency": int(model_probabilities["log_loss"] < frequency["log_loss"]),
        "used_in_selection": bool(season["used_in_selection"].iloc[0]),
    }


def summary_row(seasons: pd.DataFrame, differences: np.ndarray) -> dict:
    """Means over the seasons given; the interval of the mean difference from the per-season replicates."""
    low, high = np.percentile(differences.mean(axis=0), [2.5, 97.5])
    means = seasons.drop(columns=["scope", "backtest_season", "used_in_selection"]).mean()
    return {
        **means.to_dict(),
        "scope": "all_seasons",
        "backtest_season": None,
        "training_first_season": int(seasons["training_first_season"].min()),
        "training_last_season": int(seasons["training_last_season"].max()),
        "seasons_scored": int(len(seasons)),
        "races": int(seasons["races"].sum()),
        "rows_scored": int(seasons["rows_scored"].sum()),
        "difference_ci_low": float(low),
        "difference_ci_high": float(high),
        "seasons_log_loss_below_frequency": int(seasons["seasons_log_loss_below_frequency"].sum()),
        "used_in_selection": False,
    }


def backtest_report(predictions: pd.DataFrame, replicates: int = REPLICATES) -> pd.DataFrame:
    rows, differences = [], []
    for season, frame in predictions.groupby("backtest_season", sort=True):
        replicate_differences = bootstrap_differences(frame, replicates, seed=int(season))
        rows.append(season_row(frame, replicate_differences))
        if not rows[-1]["used_in_selection"]:
            differences.append(replicate_differences)
    seasons = pd.DataFrame(rows)
    if not differences:
        raise ValueError("every backtest season was used to choose the settings: nothing left to judge them on")
    summary = summary_row(seasons[~seasons["used_in_selection"]], np.array(differences))
    return pd.concat([seasons, pd.DataFrame([summary])], ignore_index=True)[list(seasons.columns)]


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
    predictions = to_pandas(dbt.ref("ml_backtest_predictions"))
    return to_engine(backtest_report(predictions), dbt.config.get("meta"))
