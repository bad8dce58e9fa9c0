import charts
import queries
import streamlit as st
import ui

st.title("Lap times by season")
st.caption(
    "Mean lap time per season and its 5-season moving average (`agg_lap_times_moving_avg`). Lap times start in 1996."
)

trend = ui.show(queries.read("agg_lap_times_moving_avg"))
if trend is not None:
    st.altair_chart(charts.lap_times(trend))
    st.dataframe(
        trend.sort_values("race_year", ascending=False),
        hide_index=True,
        column_config=ui.number_columns(trend, ["lap_time_seconds", "lap_moving_avg_5_years"], "%.2f"),
    )
