"""A small DuckDB database with the tables the results app reads, in the columns of its contract (app/queries.py).

Independent of the pipeline: hand-made rows per table, so the app's tests run in seconds and know every row
count. The hold-out season 2024 has two races run and a third upcoming (qualified, no result), each with a full
field of 20 drivers; version v0003 serves, and its forecasts of the two races run were logged before them and
scored (the track record). `with_model=False` gives the state before any training: an empty registry and no
other ML table. The on-run-end hook's table dbt_build_stamp names the build (write_build_stamp replaces it).
"""

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

LAP_SEASONS = list(range(2015, 2023))  # 8 seasons: the moving average exists for the last 4
PIT_STOP_SEASONS = {2023: ["Red Bull", "McLaren", "Ferrari"], 2024: ["McLaren", "Red Bull", "Ferrari", "Mercedes"]}
HOLD_OUT_SEASON = 2024
# race_id, round, name, date, status
RACES = [
    (1101, 1, "Bahrain Grand Prix", "2024-03-02", "run"),
    (1102, 2, "Saudi Arabian Grand Prix", "2024-03-09", "run"),
    (1103, 3, "Australian Grand Prix", "2024-03-24", "upcoming"),
]
RUN_RACES = [race for race in RACES if race[4] == "run"]
UPCOMING_RACE = 1103
DRIVERS = [  # driver_ref, name, team; listed in the order of race 1's grid
    ("verstappen", "Max Verstappen", "Red Bull"), ("leclerc", "Charles Leclerc", "Ferrari"),
    ("russell", "George Russell", "Mercedes"), ("sainz", "Carlos Sainz", "Ferrari"),
    ("perez", "Sergio Pérez", "Red Bull"), ("alonso", "Fernando Alonso", "Aston Martin"),
    ("norris", "Lando Norris", "McLaren"), ("piastri", "Oscar Piastri", "McLaren"),
    ("hamilton", "Lewis Hamilton", "Mercedes"), ("hulkenberg", "Nico Hülkenberg", "Haas F1 Team"),
    ("tsunoda", "Yuki Tsunoda", "RB F1 Team"), ("stroll", "Lance Stroll", "Aston Martin"),
    ("albon", "Alexander Albon", "Williams"), ("ricciardo", "Daniel Ricciardo", "RB F1 Team"),
    ("kevin_magnussen", "Kevin Magnussen", "Haas F1 Team"), ("bottas", "Valtteri Bottas", "Sauber"),
    ("zhou", "Guanyu Zhou", "Sauber"), ("sargeant", "Logan Sargeant", "Williams"),
    ("ocon", "Esteban Ocon", "Alpine F1 Team"), ("gasly", "Pierre Gasly", "Alpine F1 Team"),
]  # fmt: skip
PIT_LANE_START = "gasly"  # grid 0 in race 1: counted last
NOT_CLASSIFIED = "sargeant"  # no position in race 1
# Race 1's finishing order (driver refs); race 2 reverses the first two.
RACE_1_ORDER = ["verstappen", "perez", "sainz", "leclerc", "russell", "norris", "hamilton", "piastri", "alonso",
                "stroll", "zhou", "kevin_magnussen", "ricciardo", "tsunoda", "albon", "hulkenberg", "ocon",
                "bottas", "gasly"]  # fmt: skip
VERSIONS = ["v0001", "v0002", "v0003"]
SERVING_VERSION = "v0003"
BACKTEST_SEASONS = [2021, 2022, 2023]
BUILD = {"invocation_id": "build-1", "command": "build", "finished_at": "2026-12-01T10:00:00+00:00", "failed_nodes": 0}


def label(position) -> int:
    return 3 if position is None or pd.isna(position) or position > 10 else (1 if position <= 3 else 2)


def grid_label(grid: int) -> int:
    return 1 if 1 <= grid <= 3 else (2 if 4 <= grid <= 10 else 3)


def lap_times() -> pd.DataFrame:
    seconds = pd.Series([95.0 - season % 7 for season in LAP_SEASONS], dtype="float64")
    return pd.DataFrame(
        {"race_year": LAP_SEASONS, "lap_time_seconds": seconds, "lap_moving_avg_5_years": seconds.rolling(5).mean(),
         "lap_count": [20_000 + season for season in LAP_SEASONS], "interrupted_lap_count": [season % 3 for season in
                                                                                              LAP_SEASONS]}
    )  # fmt: skip


def pit_stops() -> pd.DataFrame:
    rows = []
    for season, constructors in PIT_STOP_SEASONS.items():
        for rank, name in enumerate(constructors, start=1):
            median = 22.2 + 0.2 * rank
            rows.append(
                {"race_year": season, "constructor_name": name, "rank_by_median": rank, "pit_stop_count": 40 + rank,
                 "mean_seconds": median + 0.3, "std_seconds": 0.5, "min_seconds": median - 0.4,
                 "q1_seconds": median - 0.1, "median_seconds": median, "q3_seconds": median + 0.2,
                 # the first constructor's longest stop goes past the chart's edge (1.6 x the largest q3)
                 "max_seconds": median + (40.0 if rank == 1 else 3.0), "interrupted_stop_count": rank % 2}
            )  # fmt: skip
    return pd.DataFrame(rows)


def chances(number: int) -> tuple[float, float, float]:
    """A driver's chances by starting slot (0 = pole): a podium for the front, points for the midfield."""
    podium = float(np.clip(0.85 - 0.12 * number, 0.01, None))
    no_points = float(np.clip(0.05 + 0.06 * number, None, 0.95))
    return podium, 1.0 - podium - no_points if podium + no_points < 1 else 0.0, no_points


def race_shaped_calls(podium: pd.Series, points: pd.Series) -> pd.Series:
    """3 podium calls for the likeliest on the podium, 7 points calls for the next likeliest in the top ten."""
    calls = pd.Series(3, index=podium.index)
    first = podium.sort_values(ascending=False).index[:3]
    calls[first] = 1
    rest = (podium + points).drop(first).sort_values(ascending=False).index[:7]
    calls[rest] = 2
    return calls


def predictions() -> pd.DataFrame:
    rows = []
    for race_id, race_round, race_name, race_date, status in RACES:
        order = [ref for ref, _, _ in DRIVERS] if race_round != 2 else [ref for ref, _, _ in DRIVERS][::-1]
        finish = RACE_1_ORDER if race_round == 1 else [RACE_1_ORDER[1], RACE_1_ORDER[0], *RACE_1_ORDER[2:]]
        for ref, name, team in DRIVERS:
            slot = order.index(ref)
            grid = 0 if (race_round == 1 and ref == PIT_LANE_START) else slot + 1
            position = None if status == "upcoming" or ref not in finish else finish.index(ref) + 1
            podium, points, no_points = chances(slot)
            rows.append(
                {"driver_race_id": f"{race_id}-{slot}", "race_id": race_id, "race_year": HOLD_OUT_SEASON,
                 "race_round": race_round, "race_date": pd.Timestamp(race_date), "race_name": race_name,
                 "circuit_name": f"{race_name} circuit", "driver_ref": ref, "driver_name": name,
                 "constructor_team": team, "race_status": status,
                 "grid": None if status == "upcoming" else grid,
                 "grid_position": float(slot + 1 if grid else len(DRIVERS)),
                 "grid_source": "qualifying" if status == "upcoming" else "grid", "position": position,
                 "position_label": None if status == "upcoming" else label(position),
                 "grid_baseline_label": grid_label(slot + 1 if status == "upcoming" else grid),
                 "prob_podium": podium, "prob_points": points, "prob_no_points": no_points,
                 "model_version": SERVING_VERSION, "is_promoted": True,
                 "predicted_at": pd.Timestamp("2026-12-01 09:58:00"),
                 "data_through_race_date": pd.Timestamp(RACES[1][3] if status == "upcoming" else "2023-12-31")}
            )  # fmt: skip
    frame = pd.DataFrame(rows).astype({"position": "Int64", "position_label": "Int64", "grid": "Int64"})
    calls = [race_shaped_calls(race["prob_podium"], race["prob_points"]) for _, race in frame.groupby("race_id")]
    return frame.assign(predicted_position_label=pd.concat(calls).sort_index())


def confusion_matrix(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows[rows["race_status"] == "run"]
    cells = []
    for predictor, column in (("model", "predicted_position_label"), ("grid_baseline", "grid_baseline_label")):
        counts = rows.groupby(["position_label", column]).size()
        for (actual, predicted), count in counts.items():
            cells.append(
                {"model_version": SERVING_VERSION, "predictor": predictor, "actual_label": actual,
                 "predicted_label": predicted, "row_count": count}
            )  # fmt: skip
    return pd.DataFrame(cells)


def scorecard(calls: int = 30, grid_calls: int = 29, accuracy_ci=(-0.05, 0.08), f1_ci=(0.01, 0.06),
              races: int = 2) -> dict:  # fmt: skip
    """The scorecard columns; the macro F1 interval excludes 0 (coloured), the accuracy one does not (grey)."""
    rows = 20 * races
    card = {"races": races, "rows_scored": rows, "model_calls_right": calls, "grid_rule_calls_right": grid_calls,
            "model_log_loss": 0.60, "frequency_log_loss": 0.66, "uncoupled_log_loss": 0.61, "model_brier_score": 0.35,
            "frequency_brier_score": 0.38, "uncoupled_brier_score": 0.36, "log_loss_difference": -0.06,
            "log_loss_ci_low": -0.09, "log_loss_ci_high": -0.02, "podium_calls_per_race": 3.0}  # fmt: skip
    for metric, (model, grid), (low, high) in (
        ("accuracy", (calls / rows, grid_calls / rows), accuracy_ci),
        ("macro_f1", (0.66 + sum(f1_ci) / 2, 0.66), f1_ci),
        ("balanced_accuracy", (0.71, 0.70), (-0.02, 0.04)),
    ):
        card |= {f"model_{metric}": model, f"grid_rule_{metric}": grid, f"{metric}_difference": model - grid,
                 f"{metric}_ci_low": low, f"{metric}_ci_high": high}  # fmt: skip
    return card


def evaluation(partial: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        [{"scope": "hold_out", "season": HOLD_OUT_SEASON, "model_version": SERVING_VERSION,
          "predicted_at": pd.Timestamp("2026-12-01 09:58:00"), "is_partial_season": partial, **scorecard()}]
    )  # fmt: skip


def backtest() -> pd.DataFrame:
    def row(scope, season):
        # 2022: accuracy and macro F1 intervals above 0 (the model better); 2023: below 0 (the grid rule better)
        interval = {2022: (0.01, 0.05), 2023: (-0.06, -0.01)}.get(season, (-0.03, 0.03))
        calls = {2022: 401, 2023: 380}.get(season, 395)  # 390 for the grid rule, of 440
        return {"scope": scope, "backtest_season": season, "training_first_season": (season or 2021) - 10,
                "training_last_season": (season or 2024) - 1, **scorecard(calls, 390, interval, interval, 22),
                "used_in_selection": False, "is_partial_season": False, "seasons_scored": 3,
                "seasons_log_loss_below_frequency": 3, "seasons_log_loss_below_uncoupled": 2}  # fmt: skip

    seasons = [row("season", season) for season in BACKTEST_SEASONS]
    return pd.DataFrame([*seasons, row("all_seasons", None)]).astype({"backtest_season": "Int64"})


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


def registry(versions=VERSIONS, metadata_check: str = "ok") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"model_version": version, "status": "ready", "trained_at": f"2026-11-0{number}T10:00:00+00:00",
             "training_first_season": 2014, "training_last_season": 2023, "validation_season": 2023,
             "model_accuracy": 0.70 + 0.01 * number, "grid_rule_accuracy": 0.705, "model_macro_f1": 0.68,
             "grid_rule_macro_f1": 0.67, "model_balanced_accuracy": 0.69, "grid_rule_balanced_accuracy": 0.68,
             "model_log_loss": 0.65, "frequency_log_loss": 0.75, "is_promoted": version == SERVING_VERSION,
             "promotion_reason": "accuracy +0.025 against the grid rule, log loss 0.650 against 0.750"
             if version == SERVING_VERSION else "accuracy -0.005 against the grid rule: not above the margin 0",
             "is_latest": version == versions[-1], "is_serving": version == SERVING_VERSION,
             "store_metadata_check": metadata_check if version == SERVING_VERSION else None}
            for number, version in enumerate(versions, start=1)
        ],
        columns=list(registry_columns()),
    )  # fmt: skip


def registry_columns():
    return ("model_version", "status", "trained_at", "training_first_season", "training_last_season",
            "validation_season", "model_accuracy", "grid_rule_accuracy", "model_macro_f1", "grid_rule_macro_f1",
            "model_balanced_accuracy", "grid_rule_balanced_accuracy", "model_log_loss", "frequency_log_loss",
            "is_promoted", "promotion_reason", "is_latest", "is_serving", "store_metadata_check")  # fmt: skip


def track_record(forecasts: pd.DataFrame) -> pd.DataFrame:
    """v0003's forecasts of the two races run, scored: calls right per race from the rows themselves, a running
    log loss that rises (a decay), and the version's row."""
    rows = []
    for number, (race_id, race_round, race_name, race_date, _) in enumerate(RUN_RACES):
        race = forecasts[forecasts["race_id"] == race_id]
        scored = race[race["position_label"].notna()]
        calls = int((scored["predicted_position_label"] == scored["position_label"]).sum())
        grid_calls = int((scored["grid_baseline_label"] == scored["position_label"]).sum())
        podium = int(((scored["predicted_position_label"] == 1) & (scored["position_label"] == 1)).sum())
        rows.append(
            {"scope": "race", "model_version": SERVING_VERSION, "race_id": race_id, "race_year": HOLD_OUT_SEASON,
             "race_round": race_round, "race_name": race_name, "race_date": pd.Timestamp(race_date),
             "forecast_made_at": pd.Timestamp(race_date) - pd.Timedelta(hours=20), "grid_source": "qualifying",
             "rows_without_result": 0, "podium_calls_right": podium, **scorecard(calls, grid_calls, races=1),
             "running_model_log_loss": 0.55 + 0.1 * number, "running_frequency_log_loss": 0.66,
             "first_race_date": None, "last_race_date": None}
        )  # fmt: skip
        for metric in ("accuracy", "macro_f1", "balanced_accuracy", "log_loss"):
            rows[-1] |= {f"{metric}_ci_low": None, f"{metric}_ci_high": None}
    calls = sum(row["model_calls_right"] for row in rows)
    grid_calls = sum(row["grid_rule_calls_right"] for row in rows)
    rows.append(
        {"scope": "version", "model_version": SERVING_VERSION, **scorecard(calls, grid_calls, races=len(rows)),
         "first_race_date": pd.Timestamp(RUN_RACES[0][3]), "last_race_date": pd.Timestamp(RUN_RACES[-1][3])}
    )  # fmt: skip
    return pd.DataFrame(rows).astype({"race_id": "Int64", "race_round": "Int64", "race_year": "Int64"})


def build_app_database(path: Path, with_model: bool = True, without: tuple[str, ...] = (), scored: bool = True,
                       metadata_check: str = "ok", partial: bool = False) -> Path:  # fmt: skip
    """Write the tables to a new DuckDB file (schema main); `without` leaves the named tables out, `scored=False`
    leaves the track record empty (no forecast scored yet)."""
    rows = predictions()
    tables = {"agg_lap_times_moving_avg": lap_times(), "agg_pit_stops_by_constructor_season": pit_stops()}
    if with_model:
        record = track_record(rows)
        tables |= {"apply_prediction_to_position": rows, "ml_hold_out_evaluation": evaluation(partial),
                   "ml_hold_out_confusion_matrix": confusion_matrix(rows), "ml_backtest": backtest(),
                   "ml_calibration": calibration(), "ml_model_registry": registry(metadata_check=metadata_check),
                   "ml_track_record": record if scored else record.head(0)}  # fmt: skip
    else:
        tables["ml_model_registry"] = registry(versions=[])
    with duckdb.connect(str(path)) as connection:
        for name, frame in tables.items():
            if name not in without:
                connection.register("frame", frame)
                connection.execute(f"create table main.{name} as select * from frame")
                connection.unregister("frame")
    write_build_stamp(path, **BUILD)
    return path


def write_build_stamp(path: Path, invocation_id: str, command: str = "build", finished_at: str = "",
                      failed_nodes: int = 0) -> None:  # fmt: skip
    """Replace dbt_build_stamp as the on-run-end hook does after a build."""
    finished_at = finished_at or pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "create or replace table main.dbt_build_stamp as select ? as invocation_id, ? as command, "
            "? as finished_at, ? as failed_nodes",
            [invocation_id, command, finished_at, failed_nodes],
        )
