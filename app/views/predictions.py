import charts
import forecasts
import pandas as pd
import queries
import streamlit as st
import ui

st.title("Race forecasts")
st.caption(
    "Each driver's chance of finishing on the podium (1st-3rd), in the points (4th-10th) or with no points, "
    "forecast by the model from what is known before the start (`apply_prediction_to_position`)."
)
CHANCES = {"Chance of a podium": "%.0f%%", "Chance of points": "%.0f%%", "Chance of no points": "%.0f%%"}


def forecast_note(race: pd.DataFrame) -> str:
    first = race.iloc[0]
    promoted = first["is_promoted"]
    version = f"model {first['model_version']}" + (" (not promoted)" if pd.notna(promoted) and not promoted else "")
    made = pd.Timestamp(first["predicted_at"]).strftime("%Y-%m-%d %H:%M") if pd.notna(first["predicted_at"]) else "?"
    if first["race_status"] == "upcoming":
        source = (
            "from qualifying: the grid is not known yet, so each driver's qualifying position stands in for the "
            "grid slot"
            if (race["grid_source"] == "qualifying").any()
            else "from the grid"
        )
        through = first["data_through_race_date"]
        data = f", with results up to {pd.Timestamp(through):%d %b %Y}" if pd.notna(through) else ""
        return f"**A forecast made before the race**, on {made} UTC by {version}, {source}{data}."
    return (
        f"**A race already run**: the forecast by {version} used only what was known before the start (the grid, "
        "qualifying, the championship and form from earlier races); its result is shown beside it."
    )


def scores(race: pd.DataFrame) -> None:
    """Calls right, the model's against the grid rule's, for a race that has been run."""
    drivers = len(race)
    model = int((race["predicted_position_label"] == race["position_label"]).sum())
    grid = int((race["grid_baseline_label"] == race["position_label"]).sum())
    podium_calls = race["predicted_position_label"] == 1
    podium = int((podium_calls & (race["position_label"] == 1)).sum())
    left, middle, right = st.columns(3)
    left.metric("Calls right: model", f"{model} of {drivers}")
    middle.metric("Calls right: grid rule", f"{grid} of {drivers}")
    right.metric("Podium calls right", f"{podium} of {int(podium_calls.sum())}")


if ui.registry_or_notice() is not None:
    predictions = ui.show(queries.read("apply_prediction_to_position"))
    if predictions is not None and predictions.empty:
        st.warning(ui.NO_FORECAST_MESSAGE)
    elif predictions is not None:
        choices = forecasts.race_choices(predictions)
        race_ids = list(choices)
        opening = race_ids.index(forecasts.default_race(predictions))
        chosen = st.selectbox("Race", race_ids, index=opening, format_func=choices.get)
        race = predictions[predictions["race_id"] == chosen]
        st.subheader(forecasts.race_title(race.iloc[0]))
        st.markdown(forecast_note(race))
        st.markdown(forecasts.HOW_CALLS_ARE_MADE)
        if (race["race_status"] == "run").all():
            scores(race)
        else:
            st.markdown(forecasts.podium_sentence(race))
        table = forecasts.rows(race)
        chart_rows = race.assign(start=forecasts.start_order(race), driver=forecasts.driver_names(race))
        order = "qualifying order" if table.columns[0] == "Qualified" else "grid order"
        st.altair_chart(charts.race_chances(chart_rows, f"driver ({order})"))
        ui.table(table, formats=CHANCES)
