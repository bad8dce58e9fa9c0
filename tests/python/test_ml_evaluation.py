"""Forecasts against results: the hold-out season labelled from its rows, and the track record of the log."""

import numpy as np
import pandas as pd
import pytest

from f1ml.ml import evaluation
from f1ml.ml.race import race_forecasts


def published(race_ids, seed=0, drivers=20):
    """Forecast rows as apply_prediction_to_position / ml_forecast_log hold them, for the given races."""
    rng = np.random.default_rng(seed)
    frames = []
    for number, race_id in enumerate(race_ids):
        rows = pd.DataFrame({"race_id": race_id, "driver_id": np.arange(1, drivers + 1)})
        probabilities = rng.dirichlet([3, 4, 5], drivers)
        forecasts = race_forecasts(rows, probabilities, rng.dirichlet([3, 4, 5], drivers))
        rows = pd.concat([rows, forecasts], axis=1)
        rows["grid_baseline_label"] = np.select([rows["driver_id"] <= 3, rows["driver_id"] <= 10], [1, 2], 3)
        rows["race_year"], rows["race_round"], rows["race_name"] = 2024, number + 1, f"Grand Prix {number + 1}"
        rows["race_date"] = pd.Timestamp("2024-03-01") + pd.Timedelta(days=14 * number)
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def outcomes_of(forecasts, seed=1):
    rng = np.random.default_rng(seed)
    labels = forecasts.groupby("race_id")["driver_id"].transform(lambda d: np.select(
        [rng.permutation(len(d)) < 3, rng.permutation(len(d)) < 10], [1, 2], 3))  # fmt: skip
    return forecasts[["race_id", "driver_id"]].assign(position_label=labels)


def logged(forecasts, made_at, version="v0001", grid_source="qualifying"):
    return forecasts.assign(model_version=version, forecast_made_at=pd.Timestamp(made_at), grid_source=grid_source,
                            data_through_race_date=forecasts["race_date"] - pd.Timedelta(days=14))  # fmt: skip


def test_the_hold_out_season_is_labelled_from_its_run_rows_and_flagged_when_partial():
    rows = published([1, 2, 3])
    rows = rows.merge(outcomes_of(rows), on=["race_id", "driver_id"])
    rows = rows.assign(race_status="run", model_version="v0002", predicted_at=pd.Timestamp("2024-04-01"))
    upcoming = published([4], seed=9).assign(
        race_status="upcoming", race_year=2025, position_label=None, model_version="v0002",
        predicted_at=pd.Timestamp("2024-04-01"),
    )  # fmt: skip
    result = evaluation.hold_out_evaluation(pd.concat([rows, upcoming]), partial_seasons=[2024]).iloc[0]
    assert (result["season"], result["races"], result["rows_scored"]) == (2024, 3, 60)  # the upcoming race not
    assert result["is_partial_season"] and result["model_version"] == "v0002"
    assert list(evaluation.hold_out_evaluation(upcoming, []).columns) == list(evaluation.HOLD_OUT_TYPES)
    assert evaluation.hold_out_evaluation(upcoming, []).empty


def test_the_track_record_scores_the_latest_forecast_of_each_run_race_as_it_was_logged():
    saturday = published([1, 2, 3], seed=2)
    friday = published([1], seed=3)  # an earlier forecast of race 1: replaced by Saturday's
    log = pd.concat([logged(friday, "2024-02-29"), logged(saturday, "2024-03-01")], ignore_index=True)
    outcomes = outcomes_of(saturday).query("race_id != 3")  # race 3 not run yet: not scored
    outcomes = outcomes[~((outcomes["race_id"] == 2) & (outcomes["driver_id"] == 20))]  # did not start
    record = evaluation.track_record(log, outcomes)
    races = record[record["scope"] == "race"]
    assert races["race_id"].tolist() == [1, 2]
    assert races["rows_scored"].tolist() == [20, 19] and races["rows_without_result"].tolist() == [0, 1]
    first = saturday[saturday["race_id"] == 1].merge(outcomes, on=["race_id", "driver_id"])
    assert races.iloc[0]["model_calls_right"] == (first["predicted_position_label"] == first["position_label"]).sum()
    assert races.iloc[0]["forecast_made_at"] == pd.Timestamp("2024-03-01")
    # The running log loss of race 2 is over both races' rows.
    both = saturday[saturday["race_id"] < 3].merge(outcomes, on=["race_id", "driver_id"])
    losses = -np.log(both[["prob_podium", "prob_points", "prob_no_points"]].to_numpy()[
        np.arange(len(both)), both["position_label"].to_numpy() - 1])  # fmt: skip
    assert races.iloc[1]["running_model_log_loss"] == pytest.approx(losses.mean())
    version = record[record["scope"] == "version"].iloc[0]
    assert (version["races"], version["rows_scored"], version["rows_without_result"]) == (2, 39, 1)
    assert version["model_log_loss"] == pytest.approx(losses.mean())
    assert version["accuracy_ci_low"] <= version["accuracy_difference"] <= version["accuracy_ci_high"]
    assert list(record.columns) == list(evaluation.TRACK_RECORD_TYPES)


def test_each_version_keeps_its_own_record_and_one_race_has_no_interval():
    forecasts = published([1], seed=4)
    log = pd.concat([logged(forecasts, "2024-03-01", "v0001"), logged(forecasts, "2024-03-01", "v0002")])
    record = evaluation.track_record(log, outcomes_of(forecasts))
    versions = record[record["scope"] == "version"]
    assert versions["model_version"].tolist() == ["v0001", "v0002"]
    assert versions["accuracy_ci_low"].isna().all()  # one race: nothing to resample
    assert evaluation.track_record(log, outcomes_of(forecasts).iloc[0:0]).empty
