"""The ML features (SQL), on a hand-made season: each equals what a person computes by hand, and none of
them sees the outcome of its own race.

The season of handmade_races.py is loaded and built up to ml_data_prep twice: as it is, and with the
result of round 3 changed (another classification, two more retirements, hence other points and
standings after round 3). Every feature of rounds 1-3 must be identical in both builds; round 4's must
not be, or the check could not tell a feature that reads earlier results from one that reads none.
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR, dbt_env
from handmade_races import Race, race_id, season, write_csvs

from f1ml.ml.spec import FEATURES
from f1ml.raw.load import load_raw

OUTCOMES = ["position", "position_label"]
# Features read from the grid: for an upcoming race the qualifying position stands in for it.
FROM_THE_GRID = ["grid_position", "pit_lane_start", "grid_penalty_places", "teammate_grid_delta"]


def build(root, races) -> pd.DataFrame:
    """Load the races' CSVs and build the models (and seed) ml_data_prep depends on; its rows by key."""
    (root / "csv").mkdir(parents=True)
    write_csvs(root / "csv", races)
    load_raw(root / "csv", root / "f1.duckdb")
    env = dbt_env(root)
    command = [sys.executable, "-m", "dbt.cli.main", "build", "--select", "+ml_data_prep",
               "--resource-type", "model", "--resource-type", "seed"]  # fmt: skip
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        return con.sql("select * from main.ml_data_prep").df().set_index("driver_race_id").sort_index()


def round_three_changed() -> list[Race]:
    races = season()
    races[2] = Race(races[2].grid, races[2].qualifying_ms, classified=[3, 1], retired=[2, 4])
    return races


def saturday_before_round_four() -> list[Race]:
    """Round 4 qualified, not run: the grid is not known, and round 4 is upcoming."""
    races = season()
    races[3] = Race({}, races[3].qualifying_ms, classified=[])
    return races


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("handmade")
    with ThreadPoolExecutor(max_workers=2) as pool:
        original = pool.submit(build, root / "original", season())
        changed = pool.submit(build, root / "changed", round_three_changed())
        saturday = pool.submit(build, root / "saturday", saturday_before_round_four())
        return original.result(), changed.result(), saturday.result()


def row(frame, round_number, driver):
    return frame.loc[f"{race_id(round_number)}-{driver}"]


def test_no_feature_sees_the_result_of_its_own_race(builds):
    original, changed, _ = builds
    up_to_round_three = original["race_round"] <= 3
    features = [column for column in original.columns if column not in OUTCOMES]
    assert set(FEATURES) <= set(features)
    pd.testing.assert_frame_equal(original.loc[up_to_round_three, features], changed.loc[up_to_round_three, features])
    # The change is real: round 3's labels differ.
    third = original["race_round"] == 3
    assert not original.loc[third, "position_label"].equals(changed.loc[third, "position_label"])


def test_the_next_race_sees_the_changed_result(builds):
    original, changed, _ = builds
    fourth = original["race_round"] == 4
    differs = [f for f in FEATURES if not original.loc[fourth, f].equals(changed.loc[fourth, f])]
    reading_earlier_results = [
        "driver_standing_before", "driver_points_share_before", "constructor_points_share_before",
        "driver_finish_avg_5", "driver_finish_avg_10", "driver_top_ten_rate_10", "driver_podium_rate_10",
        "driver_confidence", "constructor_finish_avg_5", "constructor_finish_avg_10", "constructor_top_ten_rate_10",
        "constructor_reliability",
    ]  # fmt: skip
    assert set(reading_earlier_results) <= set(differs)
    assert not {"grid_position", "qualifying_position", "qualifying_gap_to_pole_pct"} & set(differs)


def test_qualifying_grid_and_teammate_features_by_hand(builds):
    original, _, _ = builds
    assert row(original, 1, 2)["qualifying_gap_to_pole_pct"] == pytest.approx(1.0)  # 90.900 s against 90.000 s
    assert row(original, 1, 1)["teammate_grid_delta"] == -1  # grid 1, teammate grid 2
    assert row(original, 1, 1)["teammate_qualifying_gap_pct"] == pytest.approx(-1.0)
    penalised = row(original, 2, 2)  # qualified 2nd (90.450 s), starts 4th
    assert (penalised["qualifying_position"], penalised["grid_position"], penalised["grid_penalty_places"]) == (2, 4, 2)
    pit_lane = row(original, 3, 3)  # grid 0: the last of the 4 cars
    assert (pit_lane["grid"], pit_lane["grid_position"], pit_lane["pit_lane_start"]) == (0, 4, 1)
    assert row(original, 3, 4)["teammate_grid_delta"] == -1  # grid 3 against the pit-lane car's 4


def test_standings_before_the_race_by_hand(builds):
    original, _, _ = builds
    first = row(original, 1, 1)
    assert pd.isna(first["driver_standing_before"]) and first["driver_points_share_before"] == 0  # round 1
    # After round 1: Alpha 25, Bravo 18, Charlie 15, Delta 12; Red 43, Blue 27.
    assert row(original, 2, 2)["driver_points_share_before"] == pytest.approx(18 / 25)
    assert row(original, 2, 3)["constructor_points_share_before"] == pytest.approx(27 / 43)
    assert row(original, 2, 3)["constructor_standing_before"] == 2
    # After round 2 (Charlie, Alpha, Delta; Bravo retired): Alpha 43, Charlie 40, Delta 27, Bravo 18.
    charlie = row(original, 3, 3)
    assert (charlie["driver_standing_before"], charlie["driver_points_share_before"]) == (2, pytest.approx(40 / 43))


def test_form_and_reliability_by_hand(builds):
    original, _, _ = builds
    bravo = row(original, 3, 2)  # round 1: 2nd; round 2: retired, 4th of the classification list
    assert bravo["driver_finish_avg_5"] == pytest.approx(3.0)
    assert (bravo["driver_top_ten_rate_10"], bravo["driver_confidence"]) == (0.5, 0.5)
    assert row(original, 3, 4)["driver_podium_rate_10"] == 0.5  # Delta: 4th, then 3rd
    red = row(original, 3, 1)  # the team's DNF rate per race: 0, then 1 of 2 cars
    assert red["constructor_reliability"] == pytest.approx(0.75)
    assert row(original, 3, 3)["constructor_finish_avg_5"] == pytest.approx((3.5 + 2.0) / 2)  # Blue: 3/4, 1/3
    assert pd.isna(row(original, 1, 1)["driver_finish_avg_5"])  # no earlier race


def test_an_upcoming_race_gets_the_features_it_has_once_run_the_grid_aside(builds):
    original, _, saturday = builds
    fourth = saturday["race_round"] == 4
    assert set(saturday.loc[fourth, "race_status"]) == {"upcoming"} and set(original["race_status"]) == {"run"}
    assert set(saturday.loc[fourth, "grid_source"]) == {"qualifying"}
    assert saturday.loc[fourth, "position_label"].isna().all()  # no label: never trained or scored
    # The same SQL: every feature of the upcoming round 4 is the one it gets once its results are in, except
    # those read from the grid, where the qualifying position stood in (the same slots in this round).
    not_from_the_grid = [f for f in FEATURES if f not in FROM_THE_GRID]
    pd.testing.assert_frame_equal(saturday.loc[fourth, not_from_the_grid], original.loc[fourth, not_from_the_grid])
    assert saturday.loc[fourth, "grid_position"].tolist() == saturday.loc[fourth, "qualifying_position"].tolist()
    # And nothing of rounds 1-3 moves.
    earlier = saturday["race_round"] < 4
    pd.testing.assert_frame_equal(saturday.loc[earlier, FEATURES], original.loc[earlier, FEATURES])
