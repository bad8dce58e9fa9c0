"""A small DuckDB database with the tables the results app reads, in the columns of its contract (app/queries.py).

Independent of the pipeline: a few hand-made rows per table, so the app's tests run in seconds and know every
row count. `with_model=False` gives the state before any training: an empty registry and no other ML table.
"""

from pathlib import Path

import duckdb
import pandas as pd

LAP_SEASONS = list(range(2015, 2023))  # 8 seasons: the moving average exists for the last 4
PIT_STOP_SEASONS = {2023: ["Red Bull", "McLaren", "Ferrari"], 2024: ["McLaren", "Red Bull", "Ferrari", "Mercedes"]}
HOLD_OUT_SEASON = 2024
RACES = [(1101, 1, "Bahrain Grand Prix", "2024-03-02"), (1102, 2, "Saudi Arabian Grand Prix", "2024-03-09")]
DRIVERS = [  # driver_ref, name, team, grid in race 1, position in race 1 (None: not classified)
    ("verstappen", "Max Verstappen", "Red Bull", 1, 1),
    ("norris", "Lando Norris", "McLaren", 2, 5),
    ("leclerc", "Charles Leclerc", "Ferrari", 5, 2),
    ("stroll", "Lance Stroll", "Aston Martin", 0, None),
]
VERSIONS = ["v0001", "v0002", "v0003"]
SERVING_VERSION = "v0003"
BACKTEST_SEASONS = [2021, 2022, 2023]


def label(position) -> int:
    return 3 if position is None or position > 10 else (1 if position <= 3 else 2)


def grid_label(grid: int) -> int:
    return 1 if 1 <= grid <= 3 else (2 if 4 <= grid <= 10 else 3)


def lap_times() -> pd.DataFrame:
    seconds = pd.Series([95.0 - season % 7 for season in LAP_SEASONS], dtype="float64")
    return pd.DataFrame(
        {"race_year": LAP_SEASONS, "lap_time_seconds": seconds, "lap_moving_avg_5_years": seconds.rolling(5).mean()}
    )


def pit_stops() -> pd.DataFrame:
    rows = []
    for season, constructors in PIT_STOP_SEASONS.items():
        for rank, name in enumerate(constructors, start=1):
            median = 2.2 + 0.2 * rank
            rows.append(
                {"race_year": season, "constructor_name": name, "rank_by_median": rank, "pit_stop_count": 40 + rank,
                 "mean_seconds": median + 0.3, "std_seconds": 0.5, "min_seconds": median - 0.4,
                 "q1_seconds": median - 0.1, "median_seconds": median, "q3_seconds": median + 0.2,
                 "max_seconds": median + 3.0}
            )  # fmt: skip
    return pd.DataFrame(rows)


def predictions() -> pd.DataFrame:
    rows = []
    for race_id, race_round, race_name, race_date in RACES:
        for number, (ref, name, team, grid, position) in enumerate(DRIVERS):
            position = position if race_round == 1 else [2, 1, 3, None][number]
            podium = [0.7, 0.5, 0.3, 0.05][number]
            no_points = [0.05, 0.1, 0.2, 0.7][number]
            predicted = 1 if podium >= 0.5 else (3 if no_points >= 0.5 else 2)
            rows.append(
                {"driver_race_id": f"{race_id}-{number}", "race_id": race_id, "driver_id": number,
                 "race_year": HOLD_OUT_SEASON, "race_round": race_round, "race_date": pd.Timestamp(race_date),
                 "race_name": race_name, "circuit_name": f"{race_name} circuit", "driver_ref": ref,
                 "driver_name": name, "constructor_team": team, "grid": grid,
                 "grid_position": grid if grid > 0 else 20, "position": position, "position_label": label(position),
                 "grid_baseline_label": grid_label(grid), "prob_podium": podium, "prob_points": 1 - podium - no_points,
                 "prob_no_points": no_points, "predicted_position_label": predicted, "model_version": SERVING_VERSION,
                 "is_promoted": True, "driver_age_years": 25}
            )  # fmt: skip
    return pd.DataFrame(rows).astype({"position": "Int64"})


def confusion_matrix(rows: pd.DataFrame) -> pd.DataFrame:
    cells = []
    for predictor, column in (("model", "predicted_position_label"), ("grid_baseline", "grid_baseline_label")):
        counts = rows.groupby(["position_label", column]).size()
        for (actual, predicted), count in counts.items():
            cells.append(
                {"model_version": SERVING_VERSION, "predictor": predictor, "actual_label": actual,
                 "predicted_label": predicted, "row_count": count}
            )  # fmt: skip
    return pd.DataFrame(cells)


def evaluation() -> pd.DataFrame:
    metrics = {"model": (0.70, 0.65, 0.72, 0.45, 0.12), "grid_baseline": (0.72, 0.70, 0.75, None, None)}
    return pd.DataFrame(
        [
            {"predictor": predictor, "model_version": SERVING_VERSION, "row_count": len(RACES) * len(DRIVERS),
             "balanced_accuracy": balanced, "macro_f1": f1, "accuracy": accuracy, "recall_podium": 0.8,
             "recall_points": 0.5, "recall_no_points": 0.9, "log_loss": log_loss, "brier_score": brier}
            for predictor, (balanced, f1, accuracy, log_loss, brier) in metrics.items()
        ]
    )  # fmt: skip


def backtest() -> pd.DataFrame:
    def row(scope, season, difference):
        return {"scope": scope, "backtest_season": season, "training_first_season": (season or 2021) - 10,
                "training_last_season": (season or 2024) - 1, "races": 22, "rows_scored": 440,
                "model_balanced_accuracy": 0.65 + difference, "baseline_balanced_accuracy": 0.65,
                "balanced_accuracy_difference": difference, "difference_ci_low": difference - 0.03,
                "difference_ci_high": difference + 0.03, "model_macro_f1": 0.6, "baseline_macro_f1": 0.62,
                "model_log_loss": 0.8, "frequency_log_loss": 1.0, "model_brier_score": 0.45,
                "frequency_brier_score": 0.6, "used_in_selection": season is not None and season < 2023}  # fmt: skip

    seasons = [row("season", season, 0.01 * (number - 1)) for number, season in enumerate(BACKTEST_SEASONS)]
    return pd.DataFrame([*seasons, row("all_seasons", None, 0.0)]).astype({"backtest_season": "Int64"})


def calibration() -> pd.DataFrame:
    rows = []
    for predicted_label, class_name in ((1, "podium"), (2, "points"), (3, "no points")):
        for probability_bin in range(3):
            lower = probability_bin / 10
            rows.append(
                {"predicted_label": predicted_label, "class_name": class_name, "probability_bin": probability_bin,
                 "bin_lower": lower, "bin_upper": lower + 0.1, "rows_in_bin": 50,
                 "mean_predicted_probability": lower + 0.05, "observed_rate": lower + 0.04}
            )  # fmt: skip
    return pd.DataFrame(rows)


def registry(versions=VERSIONS) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"model_version": version, "status": "ready", "trained_at": f"2026-11-0{number}T10:00:00+00:00",
             "training_first_season": 2013, "training_last_season": 2023, "validation_season": 2023,
             "hold_out_season": HOLD_OUT_SEASON, "model_balanced_accuracy": 0.60 + 0.02 * number,
             "baseline_balanced_accuracy": 0.645, "model_macro_f1": 0.58, "baseline_macro_f1": 0.64,
             "model_log_loss": 0.85, "frequency_log_loss": 1.0, "is_promoted": version == SERVING_VERSION,
             "promotion_reason": "beats the baseline" if version == SERVING_VERSION else "does not beat the baseline",
             "is_latest": version == versions[-1], "is_serving": version == SERVING_VERSION,
             "artifact_sha256": "0" * 64}
            for number, version in enumerate(versions, start=1)
        ],
        columns=list(registry_columns()),
    )  # fmt: skip


def registry_columns():
    return ("model_version", "status", "trained_at", "training_first_season", "training_last_season",
            "validation_season", "hold_out_season", "model_balanced_accuracy", "baseline_balanced_accuracy",
            "model_macro_f1", "baseline_macro_f1", "model_log_loss", "frequency_log_loss", "is_promoted",
            "promotion_reason", "is_latest", "is_serving", "artifact_sha256")  # fmt: skip


def build_app_database(path: Path, with_model: bool = True, without: tuple[str, ...] = ()) -> Path:
    """Write the tables to a new DuckDB file (schema main); `without` leaves the named tables out."""
    rows = predictions()
    tables = {"agg_lap_times_moving_avg": lap_times(), "agg_pit_stops_by_constructor_season": pit_stops()}
    if with_model:
        tables |= {"apply_prediction_to_position": rows, "ml_hold_out_evaluation": evaluation(),
                   "ml_hold_out_confusion_matrix": confusion_matrix(rows), "ml_backtest": backtest(),
                   "ml_calibration": calibration(), "ml_model_registry": registry()}  # fmt: skip
    else:
        tables["ml_model_registry"] = registry(versions=[])
    with duckdb.connect(str(path)) as connection:
        for name, frame in tables.items():
            if name not in without:
                connection.register("frame", frame)
                connection.execute(f"create table main.{name} as select * from frame")
                connection.unregister("frame")
    return path
