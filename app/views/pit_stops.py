import charts
import queries
import streamlit as st
import ui

st.title("Pit stops by constructor")
st.caption(
    "Pit-stop duration per constructor in one season: count, mean, spread and quartiles "
    "(`agg_pit_stops_by_constructor_season`: the statistics of `agg_fastest_pit_stops_by_constructor` "
    "for every season)."
)

stops = ui.show(queries.read("agg_pit_stops_by_constructor_season"))
if stops is not None and stops.empty:
    st.info("No pit stops in the data.")
elif stops is not None:
    seasons = sorted(stops["race_year"].unique().tolist(), reverse=True)
    season = st.selectbox("Season", seasons, index=0)
    chosen = stops[stops["race_year"] == season]
    st.altair_chart(charts.pit_stops(chosen))
    statistics = ["mean_seconds", "std_seconds", "min_seconds", "q1_seconds", "median_seconds", "q3_seconds",
                  "max_seconds"]  # fmt: skip
    st.dataframe(
        chosen.drop(columns="race_year"),
        hide_index=True,
        column_config=ui.number_columns(chosen, statistics, "%.2f"),
    )
