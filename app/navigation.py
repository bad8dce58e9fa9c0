"""The app's pages: file, menu title, URL path and heading. streamlit_app.py builds its menu from this list;
the browser test and f1-app-tour (f1ml/app_tour.py) visit every URL path and look for the heading."""

from typing import NamedTuple


class View(NamedTuple):
    file: str
    menu_title: str
    url_path: str
    heading: str


VIEWS = [
    View("views/lap_times.py", "Lap times", "lap-times", "Lap times by season"),
    View("views/pit_stops.py", "Pit stops", "pit-stops", "Pit stops by constructor"),
    View("views/predictions.py", "Predictions", "predictions", "Predictions for the hold-out season"),
    View("views/model_vs_grid.py", "Model vs grid", "model-vs-grid", "The model against the grid"),
    View("views/registry.py", "Model registry", "registry", "Model registry"),
]
