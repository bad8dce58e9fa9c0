import charts
import queries
import streamlit as st
import ui

st.title("Pit stops by constructor")
st.caption(
    "Time in the pit lane per stop, from pit-lane entry to exit (about 20-30 s, the speed limit included), per "
    "constructor and season (`agg_pit_stops_by_constructor_season`). It is not the 2-3 s the car stands still: "
    "the data has no stationary time. A stop longer than three median laps of its race is left out and counted "
    "apart: the cars waited in the pit lane while the race was suspended (red flag), or the car stood in the "
    "garage (`mrt_pit_stops.is_interrupted_stop`)."
)
LABELS = {"rank_by_median": "Rank", "constructor_name": "Constructor", "pit_stop_count": "Stops",
          "median_seconds": "Median (s)", "mean_seconds": "Mean (s)", "std_seconds": "Std. deviation (s)",
          "min_seconds": "Shortest (s)", "q1_seconds": "First quartile (s)", "q3_seconds": "Third quartile (s)",
          "max_seconds": "Longest (s)", "interrupted_stop_count": "Interrupted stops left out"}  # fmt: skip

stops = ui.show(queries.read("agg_pit_stops_by_constructor_season"))
if stops is not None and stops.empty:
    st.info("No pit stops in the data.")
elif stops is not None:
    seasons = sorted(stops["race_year"].unique().tolist(), reverse=True)
    season = st.selectbox("Season", seasons, index=0)
    chosen = stops[stops["race_year"] == season]
    st.altair_chart(charts.pit_stops(chosen))
    seconds = [label for label in LABELS.values() if label.endswith("(s)")]
    ui.table(ui.labelled(chosen, LABELS), formats={label: "%.2f" for label in seconds})
