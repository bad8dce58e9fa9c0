"""The rolling backtest: training windows as the retrain job's, forecasts as serving's, any number of workers,
and a verdict that leaves out selection and partial seasons."""

import duckdb
import numpy as np
import pytest
from ml_data import synthetic_seasons

from f1ml.ml import backtest, engine, training
from f1ml.ml.baselines import grid_slot_frequencies
from f1ml.ml.pipeline import build_pipeline, canonical_rows
from f1ml.ml.spec import FEATURES, LABEL


@pytest.fixture(scope="module")
def data():
    return canonical_rows(synthetic_seasons(first=2001, last=2014, races=3, form_effect=15.0, noise=2.0))


def test_each_season_is_forecast_by_a_fit_on_the_seasons_before_it_exactly_as_served(data):
    season = backtest.backtest_season(data, 2014, training_seasons=10)
    assert set(season["backtest_season"]) == {2014} and len(season) == (data["race_year"] == 2014).sum()
    assert (season["training_first_season"].iloc[0], season["training_last_season"].iloc[0]) == (2004, 2013)
    # Exactly the retrain job's model for hold-out 2014 (the Pipeline fitted on 2004-2013), published as
    # serving publishes: training.forecast_rows, the function validation uses too.
    window = data[data["race_year"].between(2004, 2013)]
    expected = training.forecast_rows(
        build_pipeline().fit(window[FEATURES], window[LABEL]),
        data[data["race_year"] == 2014],
        grid_slot_frequencies(window["grid_position"], window[LABEL]),
    )
    for column in ["uncoupled_prob_podium", "prob_podium", "frequency_prob_points", "predicted_position_label"]:
        assert season[column].tolist() == expected[column].tolist()
    # Changing the outcome of the season being forecast changes nothing in its forecasts.
    changed = data.assign(position_label=np.where(data["race_year"] == 2014, 3, data["position_label"]))
    assert backtest.backtest_season(changed, 2014, 10)["prob_podium"].tolist() == season["prob_podium"].tolist()


def test_the_rows_are_the_same_with_one_worker_or_two(data):
    one = backtest.backtest(data, 3, training_seasons=10, selection_seasons=[], workers=1)
    two = backtest.backtest(data, 3, training_seasons=10, selection_seasons=[], workers=2)
    assert one.equals(two)


def test_the_backtest_covers_the_last_seasons_and_flags_selection_seasons(data):
    predictions = backtest.backtest(data, 3, training_seasons=10, selection_seasons=[2012], workers=1)
    assert sorted(predictions["backtest_season"].unique()) == [2012, 2013, 2014]
    flagged = predictions.groupby("backtest_season")["used_in_selection"].first().to_dict()
    assert flagged == {2012: True, 2013: False, 2014: False}
    # An export of few seasons: only seasons with 2 seasons of data before them are backtested.
    assert backtest.backtest_seasons(range(2001, 2015), 14, 10) == list(range(2003, 2015))
    assert backtest.backtest_seasons(range(2011, 2015), 10, 10) == [2013, 2014]
    with pytest.raises(ValueError, match="no season of the data .2013 to 2014. has 2 seasons before it"):
        backtest.backtest_seasons([2013, 2014], 10, 10)


def test_the_model_reads_from_the_first_training_season_and_the_rows_are_the_same(data):
    first = backtest.first_season_read(data["race_year"], 3, training_seasons=10)
    assert first == 2002  # the first backtest season, 2012, trains on 2002-2011
    read = data[data["race_year"] >= first]
    assert read["race_year"].min() > data["race_year"].min()  # older rows exist and are not read
    everything = backtest.backtest(data, 3, training_seasons=10, selection_seasons=[2012], workers=1)
    assert everything.equals(backtest.backtest(read, 3, training_seasons=10, selection_seasons=[2012], workers=1))


def test_the_verdict_averages_the_seasons_neither_used_in_selection_nor_partial(data):
    predictions = backtest.backtest(data, 4, training_seasons=10, selection_seasons=[2011], workers=1)
    report = backtest.backtest_report(predictions, partial_seasons=[2014], replicates=200)
    seasons, summary = report[report["scope"] == "season"], report[report["scope"] == "all_seasons"].iloc[0]
    assert seasons["backtest_season"].tolist() == [2011, 2012, 2013, 2014]
    assert seasons["is_partial_season"].tolist() == [False, False, False, True]
    judged = seasons[seasons["backtest_season"].isin([2012, 2013])]
    assert summary["seasons_scored"] == 2 and summary["races"] == 6
    assert summary["accuracy_difference"] == pytest.approx(judged["accuracy_difference"].mean())
    assert summary["model_log_loss"] == pytest.approx(judged["model_log_loss"].mean())
    assert summary["seasons_log_loss_below_uncoupled"] == judged["seasons_log_loss_below_uncoupled"].sum()
    for _, row in report.iterrows():
        for metric in ["accuracy", "macro_f1", "balanced_accuracy", "log_loss"]:
            assert row[f"{metric}_ci_low"] <= row[f"{metric}_difference"] <= row[f"{metric}_ci_high"]
    with pytest.raises(ValueError, match="used to choose the settings or is partial"):
        backtest.backtest_report(predictions, partial_seasons=[2012, 2013, 2014], replicates=10)


def test_duckdb_reads_only_the_rows_from_the_first_season_and_snowflake_filters_after_reading(data):
    """engine.rows_from: on DuckDB the older seasons never become pandas; on Snowflake the relation comes back
    whole (the model filters after reading), so the backtest's rows are the same on both."""
    first = backtest.first_season_read(data["race_year"], 3, training_seasons=10)
    with duckdb.connect() as con:
        relation = con.from_df(data)
        read = engine.to_pandas(engine.rows_from(relation, "race_year", first, "duckdb"))
        assert sorted(read["race_year"].unique()) == list(range(first, 2015))
        assert len(read) == (data["race_year"] >= first).sum()
        assert engine.rows_from(relation, "race_year", first, "snowflake") is relation
