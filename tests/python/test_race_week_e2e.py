"""A race week end to end, early in a season: Saturday evening's forecast, Sunday's score, the log kept.

The shipped data as of Saturday evening before round 2 of 2024 (round 1 run; round 2 qualified, not run: its
results, laps, pit stops and standings absent): the retrain job, then the scheduled job, forecast round 2 for its
qualifiers. Sunday evening (round 2's results in), the scheduled job scores the logged forecast as it was made.
With two races run, 2024 is a partial season: its figures are kept and left out of the verdicts. Then the
incremental models are built with --full-refresh: the forecast log is still there. (f1-replay-season runs the
same weeks for a whole season.)
"""

import json

import pandas as pd
import pytest
from conftest import PROJECT_DIR

from f1ml import model_report
from f1ml.dev.race_week import race_of
from f1ml.dev.replay_season import Replay
from f1ml.ml.spec import FEATURES

SEASON, ROUND = 2024, 2
FROM_THE_GRID = ["grid_position", "pit_lane_start", "grid_penalty_places", "teammate_grid_delta"]


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    replay = Replay(tmp_path_factory.mktemp("race_week"))
    race = replay.load(SEASON, ROUND, "saturday")
    replay.job("retrain")
    replay.job("predict")
    saturday = {
        "forecasts": pd.DataFrame(replay.query("select * from main.apply_prediction_to_position")),
        "features": pd.DataFrame(replay.query("select * from main.hold_out_dataset_for_prediction")),
        "log": pd.DataFrame(replay.query("select * from main.ml_forecast_log order by forecast_id")),
        "track_record": replay.query("select * from main.ml_track_record"),
        "hold_out": replay.query("select * from main.ml_hold_out_evaluation"),
        "qualifiers": replay.query(f"select driver_id from main.fct_qualifying where race_id = {race['race_id']}"),
    }
    replay.load(SEASON, ROUND, "sunday")
    replay.job("predict")
    return {"replay": replay, "race": race, "saturday": saturday}


def test_saturday_forecasts_exactly_the_races_qualifiers_and_scores_nothing(week):
    saturday, race = week["saturday"], week["race"]
    upcoming = saturday["forecasts"][saturday["forecasts"]["race_status"] == "upcoming"]
    assert set(upcoming["race_id"]) == {race["race_id"]} and race == race_of(PROJECT_DIR / "data" / "formula1", 2024, 2)
    assert sorted(upcoming["driver_id"]) == sorted(row["driver_id"] for row in saturday["qualifiers"])
    assert set(upcoming["grid_source"]) == {"qualifying"} and set(upcoming["dataset_split"]) == {"upcoming"}
    assert (upcoming["data_through_race_date"] < upcoming["race_date"]).all()
    assert sorted(saturday["log"]["driver_id"]) == sorted(upcoming["driver_id"])
    assert saturday["track_record"] == []  # nothing scored
    [hold_out] = saturday["hold_out"]
    assert (hold_out["season"], hold_out["races"]) == (SEASON, 1)  # round 1 only: the upcoming race is not scored


def test_the_upcoming_race_had_the_features_it_has_once_run_the_grid_aside(week):
    before = week["saturday"]["features"]
    before = before[before["race_status"] == "upcoming"].set_index("driver_id").sort_index()
    after = pd.DataFrame(
        week["replay"].query(f"select * from main.ml_data_prep where race_id = {week['race']['race_id']}")
    )
    after = after.set_index("driver_id").sort_index()
    assert list(before.index) == list(after.index)
    features = [feature for feature in FEATURES if feature not in FROM_THE_GRID]
    pd.testing.assert_frame_equal(before[features], after[features], check_dtype=False)
    assert (before["grid_position"] == before["qualifying_position"]).all()
    assert set(after["grid_source"]) == {"grid"}


def test_sunday_scores_the_logged_forecast_unchanged_and_the_race_joins_the_hold_out_season(week):
    replay, race = week["replay"], week["race"]
    log = pd.DataFrame(replay.query("select * from main.ml_forecast_log order by forecast_id"))
    pd.testing.assert_frame_equal(log, week["saturday"]["log"])  # Sunday's job logged nothing, changed nothing
    [scored] = replay.query(f"select * from main.ml_track_record where scope = 'race' and race_id = {race['race_id']}")
    outcomes = pd.DataFrame(replay.query(
        f"select driver_id, position_label from main.ml_data_prep where race_id = {race['race_id']}"))  # fmt: skip
    joined = log.merge(outcomes, on="driver_id")
    assert scored["rows_scored"] == len(joined) == 20
    assert scored["model_calls_right"] == (joined["predicted_position_label"] == joined["position_label"]).sum()
    assert scored["grid_rule_calls_right"] == (joined["grid_baseline_label"] == joined["position_label"]).sum()
    assert scored["forecast_made_at"] == log["forecast_made_at"].iloc[0] and scored["grid_source"] == "qualifying"
    [hold_out] = replay.query("select * from main.ml_hold_out_evaluation")
    assert (hold_out["season"], hold_out["races"]) == (SEASON, 2)


def test_a_partial_season_keeps_its_figures_and_is_left_out_of_the_verdicts(week):
    replay = week["replay"]
    [season] = replay.query(f"select * from main.ml_seasons where season = {SEASON}")
    assert season["is_partial_season"] and season["races_run"] == 2 and season["min_races_for_verdict"] > 2
    [hold_out] = replay.query("select * from main.ml_hold_out_evaluation")
    assert hold_out["is_partial_season"]
    backtest = {row["backtest_season"]: row for row in replay.query("select * from main.ml_backtest")}
    # The backtest was built by the retrain job on Saturday: 2024 held one race then.
    assert backtest[SEASON]["is_partial_season"] and backtest[SEASON]["races"] == 1
    assert backtest[None]["seasons_scored"] == 9 and backtest[None]["training_last_season"] == SEASON - 2
    with replay.connect() as con:
        text = model_report.readme_section(con)
    assert f"Season {SEASON} is partial (1 races run, fewer than" in text  # the backtest's row
    assert f"Season {SEASON} is partial (2 races run, fewer than" in text  # the hold-out season, since Sunday


def test_the_forecast_log_survives_a_retrain_with_full_refresh(week):
    """`--full-refresh` changes what dbt does only to incremental models and seeds (every table is rebuilt on
    every run anyway): the build selects the incremental ones, the ledger and the log, which the retrain job
    builds too, rather than the whole job again (26 s, a quarter of this module's time; now 8 s)."""
    replay = week["replay"]
    before = replay.query("select forecast_id, prob_podium from main.ml_forecast_log order by forecast_id")
    replay.dbt("retrain", "build", "--select", "config.materialized:incremental", "--full-refresh")
    results = json.loads((replay.work_dir / "target" / "run_results.json").read_text())["results"]
    built = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert built == {"train_model_to_predict_position", "ml_forecast_log"}
    assert replay.query("select forecast_id, prob_podium from main.ml_forecast_log order by forecast_id") == before
    # The ledger survives too. Sunday's race is of the hold-out season, which training does not fit: the same
    # inputs as v0001's, so no new version.
    versions = [row["model_version"] for row in replay.query("select model_version from main.ml_model_registry")]
    assert versions == ["v0001"]
    assert len(replay.query("select * from main.ml_track_record where model_version = 'v0001'")) == 2
