import charts
import queries
import streamlit as st
import ui

st.title("Lap times by season")
st.caption(
    "Mean lap time per season and its 5-season moving average (`agg_lap_times_moving_avg`). Lap times start in "
    "1996. A lap longer than three median laps of its race is left out and counted apart: the race was "
    "suspended (red flag) during it, or the car stood in the garage (`mrt_lap_times_years.is_interrupted_lap`). "
    "Safety-car laps and laps with a pit stop count."
)
LABELS = {"race_year": "Season", "lap_time_seconds": "Mean lap time (s)",
          "lap_moving_avg_5_years": "5-season moving average (s)", "lap_count": "Laps",
          "interrupted_lap_count": "Interrupted laps left out"}  # fmt: skip

trend = ui.show(queries.read("agg_lap_times_moving_avg"))
if trend is not None:
    st.altair_chart(charts.lap_times(trend))
    table = ui.labelled(trend.sort_values("race_year", ascending=False), LABELS)
    ui.grid(table, formats={"Mean lap time (s)": "%.2f", "5-season moving average (s)": "%.2f", "Season": "%d"})
