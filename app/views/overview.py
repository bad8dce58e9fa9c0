import forecasts
import queries
import streamlit as st
from navigation import VIEWS

st.title("Formula 1 results")
st.caption(
    "Formula 1 data from 1950 on, built by dbt: lap times and pit stops, and a model that forecasts, before each "
    "race, every driver's chance of a podium, of points or of no points."
)

predictions = queries.read("apply_prediction_to_position")
if predictions.frame is not None and not predictions.frame.empty:
    next_race = forecasts.next_race(predictions.frame)
    if next_race is not None:
        race = predictions.frame[predictions.frame["race_id"] == next_race]
        st.markdown(f"**Next race: {forecasts.race_title(race.iloc[0])}.** {forecasts.podium_sentence(race)}")
    else:
        st.markdown("No upcoming race in the data: the forecasts are those of the season's races run, with results.")

PAGES = {
    "predictions": "each race's forecast: the next race first, past races next to their results",
    "track-record": "how the forecasts made before races fared once the results came in",
    "model-vs-grid": "the model against the grid rule and the baselines, season by season",
    "registry": "every trained version of the model, which one serves, and its record",
    "lap-times": "mean lap time per season since 1996",
    "pit-stops": "time in the pit lane per constructor and season",
}
for view in VIEWS:
    if view.url_path in PAGES:
        st.page_link(view.file, label=f"{view.menu_title}: {PAGES[view.url_path]}")
