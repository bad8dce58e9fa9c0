"""The rolling backtest: training windows as the retrain job's, per-race bootstrap, and the summary."""

import numpy as np
import pandas as pd
import pytest
from conftest import load_model_file
from sklearn.metrics import balanced_accuracy_score

predictions_model = load_model_file("models/ml/backtest/ml_backtest_predictions.py")
report_model = load_model_file("models/ml/backtest/ml_backtest.py")
train = load_model_file("models/ml/training_and_prediction/train_model_to_predict_position.py")


def seasons_of_data(first=2001, last=2014, races=4, drivers=10, seed=0):
    """Feature rows for every driver of every race; the label follows the grid and one form feature."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in range(first, last + 1):
        for race in range(races):
            grid = rng.permutation(drivers) + 1.0
            features = {feature: rng.uniform(0, 1, drivers) for feature in train.NUMERIC_FEATURES}
            order = np.argsort(np.argsort(grid - 8 * features["driver_finish_avg_5"] + rng.normal(0, 1, drivers))) + 1
            race_id = year * 100 + race
            rows.append(
                pd.DataFrame(
                    {
                        **features,
                        "grid_position": grid,
                        "driver_race_id": [f"{race_id}-{d}" for d in range(drivers)],
                        "race_id": race_id,
                        "race_year": year,
                        "race_round": race + 1,
                        "position_label": np.select([order <= 3, order <= 6], [1, 2], 3),
                        "grid_baseline_label": np.select([grid <= 3, grid <= 6], [1, 2], 3),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_each_backtest_season_is_predicted_by_a_fit_on_the_seasons_before_it_only():
    data = seasons_of_data()
    season = predictions_model.backtest_season(data, 2014, training_seasons=10)
    assert set(season["backtest_season"]) == {2014}
    assert (season["training_first_season"].iloc[0], season["training_last_season"].iloc[0]) == (2004, 2013)
    assert len(season) == len(data[data["race_year"] == 2014])
    # Exactly the retrain job's model for hold-out 2014: the Pipeline fitted on 2004-2013.
    window = data[data["race_year"].between(2004, 2013)]
    expected = train.build_pipeline().fit(window[train.FEATURES], window[train.LABEL])
    scored = data[data["race_year"] == 2014]
    assert season["prob_podium"].to_numpy() == pytest.approx(expected.predict_proba(scored[train.FEATURES])[:, 0])
    # Changing the outcome of the season being predicted changes nothing in its predictions.
    changed = data.assign(position_label=np.where(data["race_year"] == 2014, 3, data["position_label"]))
    again = predictions_model.backtest_season(changed, 2014, training_seasons=10)
    assert again["prob_podium"].tolist() == season["prob_podium"].tolist()


def test_backtest_covers_the_last_seasons_and_flags_selection_seasons():
    data = seasons_of_data(first=2001, last=2014)
    predictions = predictions_model.backtest(data, seasons=3, training_seasons=10, selection_seasons=[2012])
    assert sorted(predictions["backtest_season"].unique()) == [2012, 2013, 2014]
    flagged = predictions.groupby("backtest_season")["used_in_selection"].first().to_dict()
    assert flagged == {2012: True, 2013: False, 2014: False}
    # An export of few seasons: only seasons with 2 seasons of data before them are backtested.
    short = predictions_model.backtest(data, seasons=14, training_seasons=10, selection_seasons=[])
    assert sorted(short["backtest_season"].unique()) == list(range(2003, 2015))
    recent = data[data["race_year"] >= 2011]
    assert predictions_model.backtest_seasons(recent["race_year"], 10, 10) == [2013, 2014]
    with pytest.raises(ValueError, match="no season of the data .2013 to 2014. has 2 seasons before it"):
        predictions_model.backtest(
            data[data["race_year"] >= 2013], seasons=10, training_seasons=10, selection_seasons=[]
        )


def two_races():
    """Race 1: the model right on all 3 rows, the grid wrong on 1. Race 2: both right on 2 of 3."""
    return pd.DataFrame(
        {
            "backtest_season": 2020,
            "race_id": [1, 1, 1, 2, 2, 2],
            "position_label": [1, 2, 3, 1, 2, 3],
            "predicted_position_label": [1, 2, 3, 1, 3, 3],
            "grid_baseline_label": [1, 3, 3, 1, 2, 2],
        }
    )


def test_balanced_accuracy_from_confusions_equals_scikit_learn():
    season = two_races()
    confusions = report_model.race_confusions(season, "predicted_position_label")
    assert confusions.shape == (2, 3, 3) and confusions.sum() == 6
    expected = balanced_accuracy_score(season["position_label"], season["predicted_position_label"])
    assert report_model.balanced_accuracy(confusions.sum(axis=0)) == pytest.approx(expected)
    only_race_two = season[season["race_id"] == 2]
    assert report_model.balanced_accuracy(confusions[1]) == pytest.approx(
        balanced_accuracy_score(only_race_two["position_label"], only_race_two["predicted_position_label"])
    )


def test_bootstrap_resamples_whole_races_paired():
    """With two races, a resample holds race 1 twice, race 2 twice, or one of each: three possible values."""
    differences = report_model.bootstrap_differences(two_races(), replicates=400, seed=1)
    model_1, grid_1 = 1.0, (1 + 0 + 1) / 3  # race 1 alone: the grid misses class 2
    model_2, grid_2 = (1 + 0 + 1) / 3, (1 + 1 + 0) / 3
    both = balanced_accuracy_score([1, 2, 3] * 2, [1, 2, 3, 1, 3, 3]) - balanced_accuracy_score(
        [1, 2, 3] * 2, [1, 3, 3, 1, 2, 2]
    )
    assert set(np.round(differences, 9)) == set(np.round([model_1 - grid_1, model_2 - grid_2, both], 9))


def test_report_has_a_row_per_season_and_a_summary_of_the_seasons_not_used_in_selection():
    data = seasons_of_data(first=2001, last=2014, races=6)
    predictions = predictions_model.backtest(data, seasons=3, training_seasons=10, selection_seasons=[2012])
    report = report_model.backtest_report(predictions, replicates=300)
    seasons, summary = report[report["scope"] == "season"], report[report["scope"] == "all_seasons"].iloc[0]
    assert seasons["backtest_season"].tolist() == [2012, 2013, 2014]
    assert summary["seasons_scored"] == 2 and summary["races"] == 12
    kept = seasons[~seasons["used_in_selection"]]
    assert summary["balanced_accuracy_difference"] == pytest.approx(kept["balanced_accuracy_difference"].mean())
    assert summary["model_log_loss"] == pytest.approx(kept["model_log_loss"].mean())
    for _, row in report.iterrows():
        assert row["difference_ci_low"] <= row["balanced_accuracy_difference"] <= row["difference_ci_high"]
    one = seasons.iloc[1]
    frame = predictions[predictions["backtest_season"] == 2013]
    assert one["model_balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(frame["position_label"], frame["predicted_position_label"])
    )
    with pytest.raises(ValueError, match="every backtest season was used to choose the settings"):
        report_model.backtest_report(predictions.assign(used_in_selection=True), replicates=10)
