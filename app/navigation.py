"""The app's pages: file, menu title, URL path and heading. streamlit_app.py builds its menu from this list;
the browser tests and f1-app-tour (f1ml/app_tour.py) open every URL path and look for the heading.

Streamlit serves the default page at the app's root and ignores its own path, so the default page is the one
whose path is empty: every other page opens at its path.
"""

from typing import NamedTuple


class View(NamedTuple):
    file: str
    menu_title: str
    url_path: str
    heading: str


VIEWS = [
    View("views/overview.py", "Overview", "", "Formula 1 results"),
    View("views/predictions.py", "Race forecasts", "predictions", "Race forecasts"),
    View("views/track_record.py", "Track record", "track-record", "Track record of the forecasts"),
    View("views/model_vs_grid.py", "Model vs grid", "model-vs-grid", "The model against the grid"),
    View("views/registry.py", "Model registry", "registry", "Model registry"),
    View("views/lap_times.py", "Lap times", "lap-times", "Lap times by season"),
    View("views/pit_stops.py", "Pit stops", "pit-stops", "Pit stops by constructor"),
]
