"""The benchmark's own logic, without running it: which nodes it runs again alone and how, and how the page shows
their time inside the build next to their time alone (docs/performance.md)."""

import copy
import json

from conftest import PROJECT_DIR

from f1ml.dev.benchmark import render
from f1ml.dev.benchmark.scales import alone_arguments, inside_and_alone, slowest_nodes


def results(*nodes: tuple[str, float]) -> dict:
    return {"results": [{"unique_id": unique_id, "execution_time": seconds} for unique_id, seconds in nodes]}


BUILD = results(
    ("model.formula1_ml.ml_backtest_predictions", 27.3),
    ("unit_test.formula1_ml.stg_lap_times.stg_lap_times_parses_duration_text", 9.0),
    ("test.formula1_ml.unique_fct_lap_times_lap_time_id.f82bac0047", 6.1),
    ("model.formula1_ml.fct_lap_times", 9.4),
    ("exposure.formula1_ml.formula1_results_app", 0.0),
    ("model.formula1_ml.dim_status", 0.1),
)


def test_the_slowest_models_and_data_tests_are_run_again_one_at_a_time_and_nothing_else():
    inside = slowest_nodes(BUILD, 3)
    # Slowest first; the unit test (dbt building fixtures) is not a node of the build's work.
    assert inside == {"ml_backtest_predictions": 27.3, "fct_lap_times": 9.4, "unique_fct_lap_times_lap_time_id": 6.1}
    arguments = alone_arguments(inside)
    assert arguments[:5] == ["build", "--select", *inside]
    assert arguments[5:] == ["--indirect-selection", "empty", "--threads", "1"]


def test_each_node_is_paired_with_its_time_alone():
    inside = {"ml_backtest_predictions": 27.3, "fct_lap_times": 9.4, "unique_fct_lap_times_lap_time_id": 6.1}
    alone = results(("model.formula1_ml.fct_lap_times", 3.04), ("model.formula1_ml.ml_backtest_predictions", 20.14))
    assert inside_and_alone(inside, alone) == [
        ["ml_backtest_predictions", 27.3, 20.1],
        ["fct_lap_times", 9.4, 3.0],
        ["unique_fct_lap_times_lap_time_id", 6.1, None],  # did not run alone: shown as unknown, not as 0
    ]


def test_the_page_shows_inside_and_alone_only_for_scales_that_ran_them():
    result = json.loads((PROJECT_DIR / "benchmarks" / "results.json").read_text())
    for scale in result["scales"]:
        scale["steps"].pop("alone", None)
    assert "## Inside the build and alone" not in render.markdown(result)
    with_alone = copy.deepcopy(result)
    with_alone["scales"][1]["steps"]["alone"] = {"inside_and_alone": [["fct_lap_times", 9.4, 3.1], ["x", 2.0, None]]}
    page = render.markdown(with_alone)
    assert "## Inside the build and alone" in page
    k = with_alone["scales"][1]["k"]
    assert f"- k={k}: fct_lap_times 9.4 / 3.1 s (3.0x), x 2.0 / - s\n" in page
