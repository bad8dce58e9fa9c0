"""Formula 1 results: the marts and the model, read from DuckDB locally or from Snowflake in Streamlit in Snowflake.

Run locally with scripts/app. The engine, database and schema come from engine.py's configuration.
"""

import queries
import streamlit as st
import ui
from navigation import VIEWS

st.set_page_config(layout="wide", page_title="Formula 1 results")
pages = [
    st.Page(view.file, title=view.menu_title, url_path=view.url_path or None, default=not view.url_path)
    for view in VIEWS
]
page = st.navigation(pages)
queries.follow_build()  # pages read the newest build that can be read now
with st.sidebar:
    ui.watch_builds()
    st.caption(f"Reading {queries.source().describe()}")
    if st.button("Reload data", help="Forget cached query results and read the database again"):
        queries.clear_cache()
page.run()
