import charts
import queries
import streamlit as st
import ui

st.title("The model against the grid")
st.caption(
    "The grid baseline predicts from the starting slot alone (1–3 podium, 4–10 points, otherwise none). "
    "Both are scored on the same hold-out rows (`ml_hold_out_evaluation`, `ml_hold_out_confusion_matrix`), and by "
    "season in the backtest (`ml_backtest`, `ml_calibration`)."
)

METRICS = ["balanced_accuracy", "macro_f1", "accuracy", "recall_podium", "recall_points", "recall_no_points",
           "log_loss", "brier_score"]  # fmt: skip


def hold_out_metrics() -> None:
    evaluation = ui.show(queries.read("ml_hold_out_evaluation"))
    if evaluation is None or evaluation.empty:
        return
    by_predictor = evaluation.set_index("predictor")
    if {"model", "grid_baseline"} <= set(by_predictor.index):
        model, baseline = by_predictor.loc["model"], by_predictor.loc["grid_baseline"]
        st.markdown(f"Hold-out season, model **{model['model_version']}**, {int(model['row_count'])} rows.")
        columns = st.columns(3)
        headline = {"balanced_accuracy": "balanced accuracy", "macro_f1": "macro F1", "accuracy": "accuracy"}
        for column, (metric, name) in zip(columns, headline.items(), strict=True):
            column.metric(
                f"Model {name}",
                f"{model[metric]:.3f}",
                delta=f"{model[metric] - baseline[metric]:+.3f} vs grid",
            )
    st.dataframe(evaluation, hide_index=True, column_config=ui.number_columns(evaluation, METRICS))


def confusion() -> None:
    cells = ui.show(queries.read("ml_hold_out_confusion_matrix"))
    if cells is not None and not cells.empty:
        st.altair_chart(charts.confusion_matrices(cells))


def backtest() -> None:
    rows = ui.show(queries.read("ml_backtest"))
    if rows is None or rows.empty:
        return
    overall = rows[rows["scope"] == "all_seasons"]
    if not overall.empty:
        total = overall.iloc[0]
        st.markdown(
            f"All {int(total['races'])} races of the backtest: model − baseline balanced accuracy "
            f"**{total['balanced_accuracy_difference']:+.3f}** (95% interval {total['difference_ci_low']:+.3f} "
            f"to {total['difference_ci_high']:+.3f}, paired bootstrap over races)."
        )
    seasons = rows[rows["scope"] == "season"]
    if not seasons.empty:
        left, right = st.columns(2)
        left.altair_chart(charts.backtest_accuracy(seasons))
        right.altair_chart(charts.backtest_difference(seasons))
    st.dataframe(rows, hide_index=True, column_config=ui.number_columns(rows, [c for c in rows if c.startswith(
        ("model_", "baseline_", "frequency_", "balanced_", "difference_"))]))  # fmt: skip


def reliability() -> None:
    calibration = ui.show(queries.read("ml_calibration"))
    if calibration is not None and not calibration.empty:
        st.altair_chart(charts.reliability(calibration))


if ui.registry_or_notice() is not None:
    hold_out_metrics()
    st.subheader("Confusion matrices, hold-out season")
    confusion()
    st.subheader("Backtest by season")
    backtest()
    st.subheader("Reliability of the predicted probabilities (backtest)")
    reliability()
