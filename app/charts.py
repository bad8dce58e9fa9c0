"""Altair charts of the app: each takes the rows a page shows and returns a chart, with no Streamlit in it."""

import altair as alt
import pandas as pd

CLASS_NAMES = {1: "podium", 2: "points", 3: "no points"}
CLASS_ORDER = list(CLASS_NAMES.values())
CLASS_COLORS = alt.Scale(domain=CLASS_ORDER, range=["#d4a017", "#2e7d32", "#9e9e9e"])
CHANCES = {"prob_podium": "chance of a podium", "prob_points": "chance of points (4th-10th)",
           "prob_no_points": "chance of no points"}  # fmt: skip
CHANCE_COLORS = alt.Scale(domain=list(CHANCES.values()), range=["#d4a017", "#2e7d32", "#9e9e9e"])
PREDICTOR_COLORS = alt.Scale(domain=["model", "grid rule"], range=["#1565c0", "#e65100"])
BASELINE_COLORS = alt.Scale(
    domain=["model", "frequency baseline", "uncoupled probabilities"], range=["#1565c0", "#e65100", "#8d6e63"]
)
FREQUENCY_COLORS = alt.Scale(domain=["model", "frequency baseline"], range=["#1565c0", "#e65100"])
RACE_AXIS = alt.Axis(labelAngle=-40, labelLimit=220)
# A difference is coloured only when its 95% interval excludes 0; otherwise it is grey.
VERDICTS = ["model better", "grid rule better", "no clear difference"]
VERDICT_COLORS = alt.Scale(domain=VERDICTS, range=["#1565c0", "#e65100", "#9e9e9e"])
METRICS = {"accuracy": "accuracy", "macro_f1": "macro F1", "balanced_accuracy": "balanced accuracy"}
BOTTOM = alt.Legend(orient="bottom")


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
            color=alt.Color("series:N", title=None, legend=BOTTOM),
            tooltip=[
                alt.Tooltip("race_year:O", title="season"),
                "series:N",
                alt.Tooltip("seconds:Q", format=".2f", title="seconds"),
            ],
        )  # fmt: skip
        .properties(height=380)
    )


def pit_stops(season: pd.DataFrame) -> alt.LayerChart:
    """A box per constructor from the precomputed statistics: box q1 to q3, white median tick, whiskers from the
    shortest to the longest stop. The axis ends at 1.6 times the largest q3 so the boxes stay readable; a whisker
    that goes further is cut there and labelled with the longest stop."""
    order = season.sort_values("rank_by_median")["constructor_name"].tolist()
    edge = float(season["q3_seconds"].max()) * 1.6
    scale = alt.Scale(domain=[0, edge], clamp=True, nice=False)
    base = alt.Chart(season).encode(y=alt.Y("constructor_name:N", sort=order, title=None))
    tooltip = [alt.Tooltip("constructor_name:N", title="constructor"), alt.Tooltip("pit_stop_count:Q", title="stops")]
    tooltip += [alt.Tooltip(f"{name}:Q", format=".2f", title=title) for name, title in (
        ("min_seconds", "shortest (s)"), ("q1_seconds", "first quartile (s)"), ("median_seconds", "median (s)"),
        ("q3_seconds", "third quartile (s)"), ("max_seconds", "longest (s)"))]  # fmt: skip
    whiskers = base.mark_rule().encode(
        x=alt.X("min_seconds:Q", title="time in the pit lane, entry to exit (s)", scale=scale),
        x2="max_seconds:Q",
        tooltip=tooltip,
    )
    box = base.mark_bar(size=14).encode(x="q1_seconds:Q", x2="q3_seconds:Q", tooltip=tooltip)
    median = base.mark_tick(color="white", size=14, thickness=2).encode(x="median_seconds:Q", tooltip=tooltip)
    cut = season[season["max_seconds"] > edge]
    cut = cut.assign(edge=edge, text=cut["max_seconds"].map("{:.0f} s ▸".format))
    labels = (
        alt.Chart(cut)
        .mark_text(align="right", dx=-2, dy=-9, fontSize=11)
        .encode(y=alt.Y("constructor_name:N", sort=order), x=alt.X("edge:Q", scale=scale), text="text:N")
    )
    return (whiskers + box + median + labels).properties(height=max(200, 32 * len(order)))


def race_chances(race: pd.DataFrame, order_title: str) -> alt.Chart:
    """Each driver's chances as one stacked bar, drivers in starting order."""
    long = long_form(race, ["driver", "start"], CHANCES, "outcome", "chance")
    long["outcome_order"] = long["outcome"].map({name: rank for rank, name in enumerate(CHANCES.values())})
    order = race.sort_values("start")["driver"].tolist()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("driver:N", sort=order, title=order_title, axis=alt.Axis(labelOverlap=False)),
            x=alt.X("chance:Q", stack="normalize", title="chance", axis=alt.Axis(format="%")),
            color=alt.Color("outcome:N", scale=CHANCE_COLORS, title=None, legend=BOTTOM),
            order=alt.Order("outcome_order:Q"),
            tooltip=["driver:N", "outcome:N", alt.Tooltip("chance:Q", format=".0%")],
        )
        .properties(height=max(200, 24 * len(order)))
    )


def confusion_matrices(cells: pd.DataFrame) -> alt.FacetChart:
    """Actual against called class, one heat map per predictor, counts written in the cells."""
    cells = cells.assign(
        actual=cells["actual_label"].map(CLASS_NAMES),
        called=cells["predicted_label"].map(CLASS_NAMES),
        predictor=cells["predictor"].map({"model": "model", "grid_baseline": "grid rule"}),
    )
    base = alt.Chart().encode(
        x=alt.X("called:N", sort=CLASS_ORDER, title="called", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("actual:N", sort=CLASS_ORDER, title="result"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("row_count:Q", scale=alt.Scale(scheme="blues"), title="drivers"),
        tooltip=["predictor:N", alt.Tooltip("actual:N", title="result"), "called:N",
                 alt.Tooltip("row_count:Q", title="drivers")],
    )  # fmt: skip
    counts = base.mark_text(fontSize=14).encode(text="row_count:Q")
    square = alt.layer(heat, counts, data=cells).properties(width=220, height=220)
    return square.facet(column=alt.Column("predictor:N", title=None))


def differences(rows: pd.DataFrame, x: str, x_title: str) -> alt.LayerChart:
    """Model minus grid rule for accuracy, macro F1 and balanced accuracy, one point per `x` with its 95%
    interval; coloured only when the interval excludes 0. Above 0: the model called more right."""
    parts = []
    for metric, name in METRICS.items():
        low, high = rows[f"{metric}_ci_low"], rows[f"{metric}_ci_high"]
        verdict = pd.Series("no clear difference", index=rows.index)
        verdict = verdict.mask(low > 0, "model better").mask(high < 0, "grid rule better")
        difference = rows[f"{metric}_difference"]
        parts.append(pd.DataFrame({x: rows[x], "metric": name, "difference": difference, "low": low, "high": high,
                                   "verdict": verdict}))  # fmt: skip
    long = pd.concat(parts, ignore_index=True)
    base = alt.Chart().encode(
        x=alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        color=alt.Color("verdict:N", scale=VERDICT_COLORS, title=None, legend=BOTTOM),
        tooltip=[alt.Tooltip(f"{x}:N", title=x_title), "metric:N", alt.Tooltip("difference:Q", format="+.3f"),
                 alt.Tooltip("low:Q", format="+.3f", title="95% interval from"),
                 alt.Tooltip("high:Q", format="+.3f", title="95% interval to"), "verdict:N"],
    )  # fmt: skip
    interval = base.mark_rule(strokeWidth=2).encode(y=alt.Y("low:Q", title="model − grid rule"), y2="high:Q")
    point = base.mark_point(filled=True, size=60).encode(y="difference:Q")
    zero = alt.Chart().mark_rule(strokeDash=[4, 4], color="gray").encode(y=alt.datum(0))
    layered = alt.layer(interval, point, zero, data=long).properties(width=250, height=240)
    return layered.facet(column=alt.Column("metric:N", title=None, sort=list(METRICS.values())))


def log_losses(rows: pd.DataFrame, x: str, x_title: str) -> alt.Chart:
    """Log loss of the model, the frequency baseline and the uncoupled probabilities per `x`: lower is better."""
    series = {"model_log_loss": "model", "frequency_log_loss": "frequency baseline",
              "uncoupled_log_loss": "uncoupled probabilities"}  # fmt: skip
    long = long_form(rows, x, series, "predictor", "log_loss")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("log_loss:Q", title="log loss (lower is better)", scale=alt.Scale(zero=False)),
            color=alt.Color("predictor:N", scale=BASELINE_COLORS, title=None, legend=BOTTOM),
            tooltip=[
                alt.Tooltip(f"{x}:N", title=x_title),
                "predictor:N",
                alt.Tooltip("log_loss:Q", format=".3f", title="log loss"),
            ],
        )  # fmt: skip
        .properties(height=280)
    )


def reliability(calibration: pd.DataFrame) -> alt.LayerChart:
    """Observed rate against mean predicted chance per bin and class; the diagonal is perfect calibration."""
    diagonal = (
        alt.Chart(pd.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(
            x=alt.X("p:Q", title="mean forecast chance", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("p:Q", title="how often it happened", scale=alt.Scale(domain=[0, 1])),
        )
    )
    curves = (
        alt.Chart(calibration.dropna(subset=["mean_predicted_probability", "observed_rate"]))
        .mark_line(point=True)
        .encode(
            x="mean_predicted_probability:Q",
            y="observed_rate:Q",
            color=alt.Color("class_name:N", scale=CLASS_COLORS, title=None, legend=BOTTOM),
            tooltip=[
                alt.Tooltip("class_name:N", title="outcome"),
                alt.Tooltip("rows_in_bin:Q", title="forecasts"),
                alt.Tooltip("mean_predicted_probability:Q", format=".3f", title="mean forecast chance"),
                alt.Tooltip("observed_rate:Q", format=".3f", title="how often it happened"),
            ],
        )
    )
    return (diagonal + curves).properties(height=360)


def registry_accuracy(registry: pd.DataFrame) -> alt.Chart:
    """Validation accuracy of each version and of the grid rule on the same season, in training order."""
    series = {"model_accuracy": "model", "grid_rule_accuracy": "grid rule"}
    long = long_form(registry, ["model_version", "serving"], series, "predictor", "accuracy")
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=70))
        .encode(
            x=alt.X("model_version:O", title="model version (training order)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("accuracy:Q", title="validation accuracy", scale=alt.Scale(zero=False)),
            color=alt.Color("predictor:N", scale=PREDICTOR_COLORS, title=None, legend=BOTTOM),
            tooltip=[
                alt.Tooltip("model_version:O", title="version"),
                "predictor:N",
                "serving:N",
                alt.Tooltip("accuracy:Q", format=".3f"),
            ],
        )  # fmt: skip
        .properties(height=320)
    )


def running_log_loss(races: pd.DataFrame) -> alt.Chart:
    """A version's log loss over its scored races so far, against the frequency baseline's on the same races:
    a model that decays drifts up towards (or above) the baseline."""
    series = {"running_model_log_loss": "model", "running_frequency_log_loss": "frequency baseline"}
    long = long_form(races, ["race", "race_date"], series, "predictor", "log_loss")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("race:N", title="race (in date order)", sort=None, axis=RACE_AXIS),
            y=alt.Y("log_loss:Q", title="log loss so far (lower is better)", scale=alt.Scale(zero=False)),
            color=alt.Color("predictor:N", scale=FREQUENCY_COLORS, title=None, legend=BOTTOM),
            tooltip=["race:N", "predictor:N", alt.Tooltip("log_loss:Q", format=".3f", title="log loss so far")],
        )
        .properties(height=300)
    )


def calls_right(races: pd.DataFrame) -> alt.Chart:
    """Calls right per scored race, the model's beside the grid rule's."""
    series = {"model_calls_right": "model", "grid_rule_calls_right": "grid rule"}
    long = long_form(races, ["race", "rows_scored"], series, "predictor", "calls_right")
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("race:N", title="race (in date order)", sort=None, axis=RACE_AXIS),
            xOffset="predictor:N",
            y=alt.Y("calls_right:Q", title="calls right"),
            color=alt.Color("predictor:N", scale=PREDICTOR_COLORS, title=None, legend=BOTTOM),
            tooltip=[
                "race:N",
                "predictor:N",
                alt.Tooltip("calls_right:Q", title="calls right"),
                alt.Tooltip("rows_scored:Q", title="drivers scored"),
            ],
        )  # fmt: skip
        .properties(height=300)
    )
