import charts
import pandas as pd
import queries
import streamlit as st
import ui

st.title("The model against the grid")
st.caption(
    "The grid rule calls from the starting slot alone (1st-3rd podium, 4th-10th points, otherwise no points); the "
    "frequency baseline gives each grid slot the chances it had in the training seasons. Differences are the "
    "model's figure minus the baseline's, with a 95% interval from resampling whole races; they are coloured only "
    "when the interval excludes 0 (`ml_hold_out_evaluation`, `ml_hold_out_confusion_matrix`, `ml_backtest`, "
    "`ml_calibration`)."
)
METRICS = {"accuracy": "Accuracy", "macro_f1": "Macro F1", "balanced_accuracy": "Balanced accuracy"}
UNCOUPLED = "The model's own chances, before they are made to fit a race (3 podium and 7 points places)."


def scorecard_metrics(row: pd.Series) -> None:
    """Accuracy, macro F1 and balanced accuracy against the grid rule; log loss against the frequency baseline
    and the uncoupled probabilities; each difference with its interval."""
    for column, (metric, name) in zip(st.columns(3), METRICS.items(), strict=True):
        ui.difference_metric(column, f"{name}: model", row[f"model_{metric}"], row[f"{metric}_difference"],
                             row[f"{metric}_ci_low"], row[f"{metric}_ci_high"], "grid rule")  # fmt: skip
    frequency, uncoupled, brier = st.columns(3)
    ui.difference_metric(frequency, "Log loss: model", row["model_log_loss"], row["log_loss_difference"],
                         row["log_loss_ci_low"], row["log_loss_ci_high"], "frequency baseline",
                         lower_is_better=True)  # fmt: skip
    uncoupled.metric("Log loss: uncoupled probabilities", f"{row['uncoupled_log_loss']:.3f}", help=UNCOUPLED)
    brier.metric("Brier score: model", f"{row['model_brier_score']:.3f}",
                 delta=f"{row['model_brier_score'] - row['frequency_brier_score']:+.3f} vs frequency baseline",
                 delta_color="off")  # fmt: skip


def hold_out() -> None:
    evaluation = ui.show(queries.read("ml_hold_out_evaluation"))
    if evaluation is None:
        return
    if evaluation.empty:
        st.info("No race of the hold-out season has been run yet: nothing to score.")
        return
    row = evaluation.iloc[0]
    st.subheader(f"Hold-out season {ui.season_label(row['season'], row['is_partial_season'])}")
    st.markdown(
        f"Model **{row['model_version']}** on the season's {int(row['races'])} races run "
        f"({int(row['rows_scored'])} drivers): {int(row['model_calls_right'])} calls right, against "
        f"{int(row['grid_rule_calls_right'])} for the grid rule."
    )
    if pd.notna(row["is_partial_season"]) and row["is_partial_season"]:
        st.markdown(
            "**Partial season**: too few races run to stand for a season; its figures are shown, and the "
            "verdicts leave it out."
        )
    scorecard_metrics(row)


def confusion() -> None:
    cells = ui.show(queries.read("ml_hold_out_confusion_matrix"))
    if cells is not None and not cells.empty:
        st.altair_chart(charts.confusion_matrices(cells))


def backtest_summary(total: pd.Series) -> str:
    differences = "; ".join(
        f"{name[0].lower() + name[1:]} {ui.signed(total[f'{metric}_difference'])} "
        f"{ui.interval(total[f'{metric}_ci_low'], total[f'{metric}_ci_high'])}"
        for metric, name in METRICS.items()
    )
    seasons = int(total["seasons_scored"])
    return (
        f"Over {seasons} seasons ({int(total['races'])} races), model minus grid rule: {differences}. Log loss "
        f"below the frequency baseline's in {int(total['seasons_log_loss_below_frequency'])} of {seasons} seasons, "
        f"below the uncoupled probabilities' in {int(total['seasons_log_loss_below_uncoupled'])} of {seasons}."
    )


def backtest_table(seasons: pd.DataFrame) -> None:
    trained_on = seasons["training_first_season"].astype(str) + "-" + seasons["training_last_season"].astype(str)
    table = pd.DataFrame({"Season": seasons["season"], "Trained on": trained_on, "Races": seasons["races"]})
    colors = {}
    for metric, name in METRICS.items():
        low, high = seasons[f"{metric}_ci_low"], seasons[f"{metric}_ci_high"]
        table[f"{name}: model, grid rule"] = ui.joined(seasons, [f"model_{metric}", f"grid_rule_{metric}"])
        label = f"{name}: difference [95% interval]"
        table[label] = [f"{ui.signed(d)} {ui.interval(lo, hi)}".strip() for d, lo, hi in
                        zip(seasons[f"{metric}_difference"], low, high, strict=True)]  # fmt: skip
        colors[label] = [ui.difference_color(lo, hi) for lo, hi in zip(low, high, strict=True)]
    table["Log loss: model, frequency, uncoupled"] = ui.joined(
        seasons, ["model_log_loss", "frequency_log_loss", "uncoupled_log_loss"]
    )
    ui.table(table, colors=colors)


def backtest() -> None:
    rows = ui.show(queries.read("ml_backtest"))
    if rows is None or rows.empty:
        return
    overall = rows[rows["scope"] == "all_seasons"]
    if not overall.empty:
        st.markdown(backtest_summary(overall.iloc[0]))
    seasons = rows[rows["scope"] == "season"].copy()
    if seasons.empty:
        return
    seasons["season"] = [ui.season_label(season, partial) for season, partial in
                         zip(seasons["backtest_season"], seasons["is_partial_season"], strict=True)]  # fmt: skip
    if seasons["is_partial_season"].eq(True).any():
        st.markdown("A *partial season* has too few races run to stand for a season: it is shown, and left out of "
                    "the summary above.")  # fmt: skip
    st.altair_chart(charts.differences(seasons, "season", "backtest season"))
    st.altair_chart(charts.log_losses(seasons, "season", "backtest season"))
    backtest_table(seasons)


def reliability() -> None:
    calibration = ui.show(queries.read("ml_calibration"))
    if calibration is not None and not calibration.empty:
        st.altair_chart(charts.reliability(calibration))


if ui.registry_or_notice() is not None:
    hold_out()
    st.subheader("Calls against results, hold-out season")
    confusion()
    st.subheader("Backtest: each season forecast by a model trained on the ten before it")
    backtest()
    st.subheader("Do the chances mean what they say? (backtest)")
    reliability()
