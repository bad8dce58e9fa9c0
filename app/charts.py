"""Altair charts of the app: each takes the rows a page shows and returns a chart, with no Streamlit in it."""

import altair as alt
import pandas as pd

CLASS_NAMES = {1: "podium", 2: "points", 3: "no points"}
CLASS_ORDER = list(CLASS_NAMES.values())
CLASS_COLORS = alt.Scale(domain=CLASS_ORDER, range=["#d4a017", "#2e7d32", "#9e9e9e"])
PREDICTOR_COLORS = alt.Scale(domain=["model", "grid baseline"], range=["#1565c0", "#e65100"])
PREDICTORS = {"model_balanced_accuracy": "model", "baseline_balanced_accuracy": "grid baseline"}


def long_form(frame: pd.DataFrame, keys, columns: dict[str, str], name: str, value: str) -> pd.DataFrame:
    """The `columns` stacked into one `value` column, one row per key and column, labelled in `name` by
    `columns`' values (the shape Altair colours by); rows without a value are left out of the chart."""
    long = frame.melt(id_vars=keys, value_vars=list(columns), var_name=name, value_name=value)
    long = long.dropna(subset=[value])
    long[name] = long[name].map(columns)
    return long


def lap_times(trend: pd.DataFrame) -> alt.Chart:
    """Mean lap time per season and its 5-season moving average, one line each."""
    series = {"lap_time_seconds": "season mean", "lap_moving_avg_5_years": "5-season moving average"}
    long = long_form(trend, "race_year", series, "series", "seconds")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("race_year:O", title="season"),
            y=alt.Y("seconds:Q", title="mean lap time (s)", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["race_year:O", "series:N", alt.Tooltip("seconds:Q", format=".2f")],
        )
        .properties(height=380)
    )


def pit_stops(season: pd.DataFrame) -> alt.LayerChart:
    """A box per constructor from the precomputed statistics: box q1 to q3, white median tick, whiskers from the
    shortest to the longest stop, cut at the right edge (stops under a red flag last many minutes)."""
    order = season.sort_values("rank_by_median")["constructor_name"].tolist()
    edge = float(season["q3_seconds"].max()) * 1.6
    scale = alt.Scale(domain=[0, edge], clamp=True)
    base = alt.Chart(season).encode(y=alt.Y("constructor_name:N", sort=order, title=None))
    tooltip = ["constructor_name:N", "pit_stop_count:Q"] + [
        alt.Tooltip(f"{name}:Q", format=".2f") for name in ("min_seconds", "q1_seconds", "median_seconds",
                                                            "q3_seconds", "max_seconds")
    ]  # fmt: skip
    whiskers = base.mark_rule().encode(
        x=alt.X("min_seconds:Q", title="pit-stop duration (s)", scale=scale), x2="max_seconds:Q", tooltip=tooltip
    )
    box = base.mark_bar(size=14).encode(x="q1_seconds:Q", x2="q3_seconds:Q", tooltip=tooltip)
    median = base.mark_tick(color="white", size=14, thickness=2).encode(x="median_seconds:Q", tooltip=tooltip)
    return (whiskers + box + median).properties(height=max(200, 28 * len(order)))


def race_probabilities(race: pd.DataFrame) -> alt.Chart:
    """Each driver's class probabilities as one stacked bar, drivers in grid order."""
    classes = {"prob_podium": "podium", "prob_points": "points", "prob_no_points": "no points"}
    long = long_form(race, ["driver", "grid_slot"], classes, "class", "probability")
    long["class_order"] = long["class"].map({name: rank for rank, name in enumerate(CLASS_ORDER)})
    order = race.sort_values("grid_slot")["driver"].tolist()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("driver:N", sort=order, title="driver (grid order)", axis=alt.Axis(labelOverlap=False)),
            x=alt.X("probability:Q", stack="normalize", title="predicted probability", axis=alt.Axis(format="%")),
            color=alt.Color("class:N", scale=CLASS_COLORS, title=None, legend=alt.Legend(orient="bottom")),
            order=alt.Order("class_order:Q"),
            tooltip=["driver:N", "class:N", alt.Tooltip("probability:Q", format=".1%")],
        )
        .properties(height=max(200, 24 * len(order)))
    )


def confusion_matrices(cells: pd.DataFrame) -> alt.FacetChart:
    """Actual against predicted class, one heat map per predictor, counts written in the cells."""
    cells = cells.assign(
        actual=cells["actual_label"].map(CLASS_NAMES),
        predicted=cells["predicted_label"].map(CLASS_NAMES),
        predictor=cells["predictor"].str.replace("_", " "),
    )
    base = alt.Chart().encode(
        x=alt.X("predicted:N", sort=CLASS_ORDER, title="predicted", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("actual:N", sort=CLASS_ORDER, title="actual"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("row_count:Q", scale=alt.Scale(scheme="blues"), title="rows"),
        tooltip=["predictor:N", "actual:N", "predicted:N", "row_count:Q"],
    )
    counts = base.mark_text(fontSize=14).encode(text="row_count:Q")
    square = alt.layer(heat, counts, data=cells).properties(width=220, height=220)
    return square.facet(column=alt.Column("predictor:N", title=None))


def backtest_accuracy(seasons: pd.DataFrame) -> alt.Chart:
    """Balanced accuracy of the model and of the grid baseline, one point per backtest season."""
    long = long_form(seasons, "backtest_season", PREDICTORS, "predictor", "balanced_accuracy")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("backtest_season:O", title="backtest season", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("balanced_accuracy:Q", title="balanced accuracy", scale=alt.Scale(zero=False)),
            color=alt.Color("predictor:N", scale=PREDICTOR_COLORS, title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["backtest_season:O", "predictor:N", alt.Tooltip("balanced_accuracy:Q", format=".3f")],
        )
        .properties(height=300)
    )


def backtest_difference(seasons: pd.DataFrame) -> alt.LayerChart:
    """Model minus baseline balanced accuracy per season with its 95% bootstrap interval; above 0 = model better."""
    base = alt.Chart(seasons).encode(x=alt.X("backtest_season:O", title="backtest season", axis=alt.Axis(labelAngle=0)))
    interval = base.mark_rule(strokeWidth=2).encode(
        y=alt.Y("difference_ci_low:Q", title="model − grid, balanced accuracy"), y2="difference_ci_high:Q"
    )
    point = base.mark_point(filled=True, size=60).encode(
        y="balanced_accuracy_difference:Q",
        tooltip=[
            "backtest_season:O",
            alt.Tooltip("balanced_accuracy_difference:Q", format="+.3f"),
            alt.Tooltip("difference_ci_low:Q", format="+.3f"),
            alt.Tooltip("difference_ci_high:Q", format="+.3f"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return (interval + point + zero).properties(height=260)


def reliability(calibration: pd.DataFrame) -> alt.LayerChart:
    """Observed rate against mean predicted probability per bin and class; the diagonal is perfect calibration."""
    diagonal = (
        alt.Chart(pd.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(
            x=alt.X("p:Q", title="mean predicted probability", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("p:Q", title="observed rate", scale=alt.Scale(domain=[0, 1])),
        )
    )
    curves = (
        alt.Chart(calibration.dropna(subset=["mean_predicted_probability", "observed_rate"]))
        .mark_line(point=True)
        .encode(
            x="mean_predicted_probability:Q",
            y="observed_rate:Q",
            color=alt.Color("class_name:N", scale=CLASS_COLORS, title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                "class_name:N",
                "probability_bin:O",
                "rows_in_bin:Q",
                alt.Tooltip("mean_predicted_probability:Q", format=".3f"),
                alt.Tooltip("observed_rate:Q", format=".3f"),
            ],
        )
    )
    return (diagonal + curves).properties(height=360)


def registry_metrics(registry: pd.DataFrame) -> alt.Chart:
    """Validation balanced accuracy of each version and of the grid baseline, in training order."""
    long = long_form(registry, ["model_version", "serving"], PREDICTORS, "predictor", "balanced_accuracy")
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=70))
        .encode(
            x=alt.X("model_version:O", title="model version (training order)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("balanced_accuracy:Q", title="validation balanced accuracy", scale=alt.Scale(zero=False)),
            color=alt.Color("predictor:N", scale=PREDICTOR_COLORS, title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["model_version:O", "predictor:N", "serving:N", alt.Tooltip("balanced_accuracy:Q", format=".3f")],
        )
        .properties(height=320)
    )
