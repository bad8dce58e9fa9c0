"""Features and labels: the label rule, the grid rule, and statistics that never see the race itself."""

import math

import pandas as pd
import pytest
from conftest import load_model_file

prep = load_model_file("models/ml/prep_encoding_splitting/ml_data_prep.py")


def test_label_dnf_is_no_points_and_boundaries():
    positions = pd.Series([1, 3, 4, 10, 11, 20, None], dtype="float64")
    assert prep.finishing_label(positions).tolist() == [1, 1, 2, 2, 3, 3, 3]


def test_grid_zero_counts_as_last_of_the_field():
    race = pd.Series([7, 7, 7, 7, 8, 8])
    grid = pd.Series([1, 2, 0, 3, 0, 1])
    assert prep.grid_position(grid, race).tolist() == [1, 2, 4, 3, 2, 1]


def test_grid_baseline_uses_the_label_rule_on_the_grid():
    assert prep.grid_baseline_label(pd.Series([1, 3, 4, 10, 11])).tolist() == [1, 1, 2, 2, 3]


def _history(rows):
    return pd.DataFrame(rows, columns=["entity", "race_order", "value"])


def test_prior_rate_never_includes_the_current_race():
    frame = _history([("a", 0, 1.0), ("a", 1, 0.0), ("a", 2, 1.0), ("a", 3, 0.0)])
    rates = prep.prior_rate(frame, "entity", "value", window=20)
    assert math.isnan(rates[0])  # no history before the first race
    assert rates[1:].tolist() == [1.0, 0.5, pytest.approx(2 / 3)]


def test_prior_rate_changing_a_race_outcome_does_not_change_its_own_feature():
    frame = _history([("a", 0, 0.0), ("a", 1, 0.0), ("a", 2, 0.0)])
    changed = frame.assign(value=[0.0, 0.0, 1.0])  # the third race becomes a DNF
    before = prep.prior_rate(frame, "entity", "value", 20)
    after = prep.prior_rate(changed, "entity", "value", 20)
    pd.testing.assert_series_equal(before, after)


def test_prior_rate_team_mates_do_not_see_each_other_in_the_same_race():
    # Two cars of team t in race 0 (one DNF), then race 1: both see race 0 only, as 1 DNF in 2 entries.
    frame = _history([("t", 0, 1.0), ("t", 0, 0.0), ("t", 1, 0.0), ("t", 1, 1.0)])
    rates = prep.prior_rate(frame, "entity", "value", 20)
    assert rates.isna()[:2].all()
    assert rates[2:].tolist() == [0.5, 0.5]


def test_prior_rate_window_bounds_the_history():
    frame = _history([("a", n, 1.0 if n < 3 else 0.0) for n in range(6)])
    rates = prep.prior_rate(frame, "entity", "value", window=2)
    assert rates.tolist()[3:] == [1.0, 0.5, 0.0]


def test_prior_rate_skips_unknown_values_and_carries_the_last_rate():
    frame = _history([("a", 0, 2.0), ("a", 1, None), ("a", 2, 4.0), ("a", 3, None)])
    rates = prep.prior_rate(frame, "entity", "value", 20)
    assert rates.tolist()[1:] == [2.0, 2.0, 3.0]  # race 1 unknown: it still sees race 0


def _results(rows):
    columns = ["race_id", "race_year", "race_date", "driver_id", "constructor_ref", "grid", "position", "is_dnf"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.assign(
        race_round=frame["race_id"],
        circuit_name="Monza",
        driver_ref="d" + frame["driver_id"].astype(str),
        constructor_id=1,
        constructor_name=frame["constructor_ref"],
        position_order=frame["position"].fillna(99),
        driver_age_years=30,
        race_date=pd.to_datetime(frame["race_date"]),
    )


def _season_rows(year, race_id, outcomes):
    """outcomes: per driver (grid, position or None) for one race."""
    return [
        (race_id, year, f"{year}-06-01", driver, "team_a" if driver <= 2 else "team_b", grid, pos, pos is None)
        for driver, (grid, pos) in enumerate(outcomes, start=1)
    ]


def _toy_results():
    rows = []
    for n, year in enumerate(range(2015, 2021)):
        rows += _season_rows(year, 100 + n, [(1, 1), (2, None), (3, 2), (0, 4)])
    return _results(rows)


def test_build_features_splits_by_season_and_keeps_features_pre_race():
    pit = pd.DataFrame({"race_id": [100, 101], "driver_id": [1, 1], "total_pit_stops_per_race": [2, 4]})
    lineage = pd.DataFrame({"constructor_ref": ["team_a"], "team_lineage": ["Team A"]})
    features = prep.build_features(_toy_results(), pit, lineage, holdout_season=None, training_seasons=3)

    assert features["holdout_season"].unique().tolist() == [2020]
    splits = features.groupby("dataset_split")["race_year"].agg(["min", "max"])
    assert splits.loc["train"].tolist() == [2017, 2018]
    assert splits.loc["test"].tolist() == [2019, 2019]
    assert splits.loc["hold_out"].tolist() == [2020, 2020]

    driver2 = features[features["driver_id"] == 2].set_index("race_year")
    assert (driver2["position_label"] == 3).all()  # every DNF is class 3
    assert (driver2["driver_confidence"] == 0).all()  # DNF in every earlier race
    driver4 = features[features["driver_id"] == 4].iloc[0]
    assert driver4["grid_position"] == 4  # pit-lane start counts as last of 4
    assert set(features["constructor_team"]) == {"Team A", "team_b"}  # seed name, else constructor name
    # Driver 1 stopped 2 then 4 times in 2015-2016; 2017 sees both races: 3 on average; later races with
    # no pit data keep that tendency. Driver 3 was in races with pit data without a stop row: 0 stops.
    assert features[features["driver_id"] == 1]["driver_avg_pit_stops"].tolist() == [3.0] * 4
    assert features[features["driver_id"] == 3]["driver_avg_pit_stops"].tolist() == [0.0] * 4


def test_build_features_holdout_var_and_bad_values():
    pit = pd.DataFrame(columns=["race_id", "driver_id", "total_pit_stops_per_race"])
    lineage = pd.DataFrame(columns=["constructor_ref", "team_lineage"])
    features = prep.build_features(_toy_results(), pit, lineage, holdout_season="2019", training_seasons=2)
    assert sorted(features["race_year"].unique()) == [2017, 2018, 2019]
    with pytest.raises(ValueError, match="holdout_season=1990 has no results"):
        prep.build_features(_toy_results(), pit, lineage, holdout_season=1990)
    with pytest.raises(ValueError, match="at least 2"):
        prep.build_features(_toy_results(), pit, lineage, training_seasons=1)


def test_one_row_per_driver_per_race_keeps_the_best_result():
    shared = pd.DataFrame({"race_id": [1, 1, 1], "driver_id": [5, 5, 6], "position_order": [7, 2, 1]})
    kept = prep.one_row_per_driver_per_race(shared)
    assert kept.sort_values("driver_id")["position_order"].tolist() == [2, 1]
