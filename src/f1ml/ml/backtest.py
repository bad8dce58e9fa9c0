"""The rolling backtest: how the model would have done, season after season.

Each of the last `backtest_seasons` seasons in turn is forecast by a model trained exactly as the retrain job
trains one for that hold-out season (the `training_seasons` seasons before it, the same Pipeline and
settings) and published exactly as serving publishes (race.race_forecasts): so for the hold-out season the
backtest's rows are what the serving version forecasts. Seasons are independent fits, run on `workers`
threads of the model's own process (joblib's threading backend, on either engine), all with one BLAS thread;
the rows are the same whatever the number of workers.

The settings were chosen on earlier seasons (var selection_seasons); a backtest season that was also a
selection season is flagged, and the report leaves it out of its verdicts, as it does a partial season.
"""

import joblib
import pandas as pd

from f1ml.ml.baselines import grid_slot_frequencies
from f1ml.ml.engine import one_blas_thread
from f1ml.ml.metrics import mean_scorecard, scorecard
from f1ml.ml.pipeline import build_pipeline, canonical_rows
from f1ml.ml.spec import FEATURES, LABEL, MIN_TRAINING_SEASONS, REPLICATES, SPLINE_FEATURE
from f1ml.ml.training import SCORED_COLUMNS, forecast_rows

# The columns of ml_data_prep the backtest reads.
BACKTEST_COLUMNS = [*SCORED_COLUMNS, *FEATURES]


def backtest_seasons(seasons, count: int, training_seasons: int) -> list[int]:
    """The last `count` seasons of the data that have MIN_TRAINING_SEASONS seasons of data in their training
    window, oldest first: an export of a few recent seasons backtests fewer seasons rather than failing."""
    present = sorted(int(season) for season in pd.Series(seasons).unique())
    usable = [s for s in present if sum(s - training_seasons <= p < s for p in present) >= MIN_TRAINING_SEASONS]
    if not usable:
        raise ValueError(
            f"no season of the data ({present[0] if present else '-'} to {present[-1] if present else '-'}) has "
            f"{MIN_TRAINING_SEASONS} seasons before it: the backtest needs {MIN_TRAINING_SEASONS + 1} seasons"
        )
    return usable[-count:]


def first_season_read(seasons, count: int, training_seasons: int) -> int:
    """The oldest season the backtest reads: its first season's training window starts there."""
    return backtest_seasons(seasons, count, training_seasons)[0] - training_seasons


def backtest_season(rows: pd.DataFrame, season: int, training_seasons: int) -> pd.DataFrame:
    """Train on the `training_seasons` seasons before `season`, as the retrain job would; forecast `season`."""
    with one_blas_thread():
        train = rows[rows["race_year"].between(season - training_seasons, season - 1)]
        if train["race_year"].nunique() < MIN_TRAINING_SEASONS:
            raise ValueError(f"backtest season {season}: fewer than {MIN_TRAINING_SEASONS} training seasons before it")
        pipeline = build_pipeline().fit(train[FEATURES], train[LABEL])
        frequencies = grid_slot_frequencies(train[SPLINE_FEATURE], train[LABEL])
        scored = forecast_rows(pipeline, rows[rows["race_year"] == season], frequencies)
    scored.insert(0, "backtest_season", season)
    scored["training_first_season"] = int(train["race_year"].min())
    scored["training_last_season"] = int(train["race_year"].max())
    return scored


def backtest(data: pd.DataFrame, count: int, training_seasons: int, selection_seasons, workers: int) -> pd.DataFrame:
    seasons = backtest_seasons(data["race_year"], count, training_seasons)
    # Only the seasons the backtest reads, in key order.
    data = canonical_rows(data[data["race_year"] >= first_season_read(data["race_year"], count, training_seasons)])
    # A generator, one window per worker dispatched at a time: only the windows being fitted are in memory.
    windows = ((data[data["race_year"].between(season - training_seasons, season)], season) for season in seasons)
    # Threads, not processes: a fit is BLAS and numpy work that releases the GIL, so two threads keep two cores
    # busy without a second interpreter, its libraries and a copy of each window per worker. At 100x the data:
    # 46 s and 1.5 GiB above the rows, against 51 s and 2.2 GiB with processes (docs/decisions.md, 60). The BLAS
    # limit is set here, around every thread: a thread leaving its own limit would lift it for the others.
    threads = max(1, min(workers, len(seasons)))
    with one_blas_thread():
        frames = joblib.Parallel(n_jobs=threads, backend="threading", pre_dispatch="n_jobs")(
            joblib.delayed(backtest_season)(rows, season, training_seasons) for rows, season in windows
        )
    predictions = pd.concat(frames, ignore_index=True)
    predictions["used_in_selection"] = predictions["backtest_season"].isin(list(selection_seasons))
    return predictions


def backtest_report(predictions: pd.DataFrame, partial_seasons, replicates: int = REPLICATES) -> pd.DataFrame:
    """A scorecard per season and, scope `all_seasons`, their mean over the seasons that judge the model:
    neither used to choose the settings nor partial (too few races to stand for a season)."""
    rows, judged, judged_differences = [], [], []
    for season, frame in predictions.groupby("backtest_season", sort=True):
        card, differences = scorecard(frame, seed=int(season), replicates=replicates)
        row = {
            "scope": "season",
            "backtest_season": int(season),
            "training_first_season": int(frame["training_first_season"].iloc[0]),
            "training_last_season": int(frame["training_last_season"].iloc[0]),
            **card,
            "used_in_selection": bool(frame["used_in_selection"].iloc[0]),
            "is_partial_season": int(season) in set(partial_seasons),
            "seasons_scored": 1,
            "seasons_log_loss_below_frequency": int(card["model_log_loss"] < card["frequency_log_loss"]),
            "seasons_log_loss_below_uncoupled": int(card["model_log_loss"] < card["uncoupled_log_loss"]),
        }
        rows.append(row)
        if not (row["used_in_selection"] or row["is_partial_season"]):
            judged.append(row)
            judged_differences.append(differences)
    if not judged:
        raise ValueError(
            "every backtest season was used to choose the settings or is partial: nothing left to judge them on"
        )
    summary = {
        **mean_scorecard(
            [{k: v for k, v in row.items() if k != "backtest_season"} for row in judged], judged_differences
        ),
        "scope": "all_seasons",
        "backtest_season": None,
        "training_first_season": min(row["training_first_season"] for row in judged),
        "training_last_season": max(row["training_last_season"] for row in judged),
        "used_in_selection": False,
        "is_partial_season": False,
        "seasons_scored": len(judged),
        "seasons_log_loss_below_frequency": sum(row["seasons_log_loss_below_frequency"] for row in judged),
        "seasons_log_loss_below_uncoupled": sum(row["seasons_log_loss_below_uncoupled"] for row in judged),
    }
    return pd.DataFrame([*rows, summary]).astype({"backtest_season": "Int64"})
