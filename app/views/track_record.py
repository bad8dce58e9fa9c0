import charts
import pandas as pd
import queries
import streamlit as st
import ui

st.title("Track record of the forecasts")
st.caption(
    "Forecasts logged before each race was run (`ml_forecast_log`, made from qualifying) and scored once its "
    "results came in, never recomputed (`ml_track_record`). Unlike the backtest, these were real forecasts."
)
NOTHING_SCORED = (
    "No forecast has been scored yet. The scheduled job forecasts every upcoming race (qualifying in, no result "
    "yet) and logs the forecast; once the race's results are loaded and the job runs again, the forecast is "
    "scored here, race by race."
)
LABELS = {"race_round": "Round", "race": "Race", "forecast_made": "Forecast made (UTC)", "rows_scored": "Drivers",
          "model_calls_right": "Calls right: model", "grid_rule_calls_right": "Calls right: grid rule",
          "podium_calls_right": "Podium calls right", "model_log_loss": "Log loss: model",
          "frequency_log_loss": "Log loss: frequency", "running_model_log_loss": "Log loss so far: model",
          "running_frequency_log_loss": "Log loss so far: frequency"}  # fmt: skip


def summary(version: pd.Series) -> None:
    st.markdown(
        f"Model **{version['model_version']}**: {ui.plural(int(version['races']), 'race')} scored "
        f"({pd.Timestamp(version['first_race_date']):%d %b %Y} to {pd.Timestamp(version['last_race_date']):%d %b %Y}), "
        f"{int(version['rows_scored'])} drivers: {int(version['model_calls_right'])} calls right against "
        f"{int(version['grid_rule_calls_right'])} for the grid rule on the same qualifying slots."
    )
    left, right = st.columns(2)
    ui.difference_metric(left, "Accuracy: model", version["model_accuracy"], version["accuracy_difference"],
                         version["accuracy_ci_low"], version["accuracy_ci_high"], "grid rule")  # fmt: skip
    ui.difference_metric(right, "Log loss: model", version["model_log_loss"], version["log_loss_difference"],
                         version["log_loss_ci_low"], version["log_loss_ci_high"], "frequency baseline",
                         lower_is_better=True)  # fmt: skip


def races_of(record: pd.DataFrame, model_version: str) -> pd.DataFrame:
    races = record[(record["scope"] == "race") & (record["model_version"] == model_version)].sort_values("race_date")
    return races.assign(
        race=races["race_year"].astype(str) + " " + races["race_name"].fillna(""),
        forecast_made=pd.to_datetime(races["forecast_made_at"]).dt.strftime("%Y-%m-%d %H:%M"),
    )


record = ui.show(queries.read("ml_track_record"))
if record is not None and record.empty:
    st.info(NOTHING_SCORED)
elif record is not None:
    versions = record[record["scope"] == "version"].sort_values("last_race_date", ascending=False)
    names = versions["model_version"].tolist()
    chosen = st.selectbox("Model version", names, index=0) if len(names) > 1 else names[0]
    summary(versions[versions["model_version"] == chosen].iloc[0])
    races = races_of(record, chosen)
    left, right = st.columns(2)
    left.altair_chart(charts.calls_right(races))
    right.altair_chart(charts.running_log_loss(races))
    numbers = [label for column, label in LABELS.items() if "log_loss" in column]
    ui.table(ui.labelled(races, LABELS), formats={label: "%.3f" for label in numbers})
