"""Published forecasts against the results: the hold-out season, and the track record of the forecast log.

- The hold-out season: the serving version's forecasts of the hold-out season's run races, one scorecard;
  the season is labelled from the rows scored, never from the registry, and flagged when partial.
- The track record: the forecasts logged before races were run (ml_forecast_log), scored once the results
  are in, never recomputed. For each version and race, the latest forecast logged for it counts. One row per
  version and race (point figures, and the version's running log loss against the frequency baseline's, so a
  decay shows), and one row per version with the full scorecard and its intervals.
"""

import pandas as pd

from f1ml.ml.engine import typed_frame
from f1ml.ml.metrics import SCORECARD_TYPES, scorecard
from f1ml.ml.spec import LABEL, REPLICATES
from f1ml.ml.store import version_number

RACE_COLUMNS = ["race_id", "race_year", "race_round", "race_name", "race_date"]
HOLD_OUT_TYPES = {
    "scope": "varchar", "season": "integer", "model_version": "varchar", "predicted_at": "timestamp",
    "is_partial_season": "boolean", **SCORECARD_TYPES,
}  # fmt: skip
TRACK_RECORD_TYPES = {
    "scope": "varchar", "model_version": "varchar", "race_id": "integer", "race_year": "integer",
    "race_round": "integer", "race_name": "varchar", "race_date": "date", "forecast_made_at": "timestamp",
    "data_through_race_date": "date", "grid_source": "varchar", "rows_without_result": "integer",
    "podium_calls_right": "integer", **SCORECARD_TYPES, "running_model_log_loss": "double",
    "running_frequency_log_loss": "double", "first_race_date": "date", "last_race_date": "date",
}  # fmt: skip


def hold_out_evaluation(predictions: pd.DataFrame, partial_seasons) -> pd.DataFrame:
    """One scorecard of the serving version on the hold-out season's run races; no row before its first race."""
    scored = predictions[predictions["race_status"] == "run"]
    if scored.empty:
        return typed_frame([], HOLD_OUT_TYPES)
    season = int(scored["race_year"].max())
    card, _ = scorecard(scored, seed=season)
    row = {
        "scope": "hold_out",
        "season": season,
        "model_version": scored["model_version"].iloc[0],
        "predicted_at": scored["predicted_at"].max(),
        **card,
        "is_partial_season": season in set(partial_seasons),
    }
    return typed_frame([row], HOLD_OUT_TYPES)


def latest_forecasts(log: pd.DataFrame) -> pd.DataFrame:
    """For each version and race, the rows of the latest forecast logged for it."""
    latest = log.groupby(["model_version", "race_id"])["forecast_made_at"].transform("max")
    return log[log["forecast_made_at"] == latest]


def race_row(version: str, race: pd.DataFrame, without_result: int) -> dict:
    card, _ = scorecard(race, seed=0, replicates=0)
    first = race.iloc[0]
    return {
        "scope": "race",
        "model_version": version,
        **{column: first[column] for column in RACE_COLUMNS},
        "forecast_made_at": first["forecast_made_at"],
        "data_through_race_date": first["data_through_race_date"],
        "grid_source": first["grid_source"],
        **card,
        "rows_without_result": without_result,
        "podium_calls_right": int(((race["predicted_position_label"] == 1) & (race[LABEL] == 1)).sum()),
        "first_race_date": first["race_date"],
        "last_race_date": first["race_date"],
    }


def version_rows(version: str, scored: pd.DataFrame, without_result: dict) -> list[dict]:
    """The version's races in date order with its running log loss, then its scorecard."""
    rows, model_sum, frequency_sum, row_count = [], 0.0, 0.0, 0
    for race_id, race in sorted(scored.groupby("race_id"), key=lambda item: (item[1]["race_date"].iloc[0], item[0])):
        row = race_row(version, race, without_result.get(race_id, 0))
        model_sum += row["model_log_loss"] * row["rows_scored"]
        frequency_sum += row["frequency_log_loss"] * row["rows_scored"]
        row_count += row["rows_scored"]
        row["running_model_log_loss"], row["running_frequency_log_loss"] = (
            model_sum / row_count,
            frequency_sum / row_count,
        )
        rows.append(row)
    # An interval needs at least two races to resample.
    card, _ = scorecard(scored, seed=version_number(version), replicates=REPLICATES if len(rows) > 1 else 0)
    rows.append({
        "scope": "version",
        "model_version": version,
        **card,
        "rows_without_result": sum(without_result.values()),
        "podium_calls_right": sum(row["podium_calls_right"] for row in rows),
        "first_race_date": rows[0]["race_date"],
        "last_race_date": rows[-1]["race_date"],
    })  # fmt: skip
    return rows


def track_record(log: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The logged forecasts of the races whose results are in, scored; columns TRACK_RECORD_TYPES."""
    forecasts = latest_forecasts(log)
    joined = forecasts.merge(outcomes[["race_id", "driver_id", LABEL]], on=["race_id", "driver_id"], how="left")
    run_races = set(outcomes["race_id"])
    joined = joined[joined["race_id"].isin(run_races)]
    rows = []
    for version, forecast in joined.groupby("model_version", sort=True):
        missing = forecast[forecast[LABEL].isna()]  # forecast entrants with no result: did not start
        without_result = missing.groupby("race_id").size().to_dict()
        scored = forecast[forecast[LABEL].notna()].astype({LABEL: "int64"})
        if not scored.empty:
            rows += version_rows(version, scored, without_result)
    return typed_frame(rows, TRACK_RECORD_TYPES)
