"""Formula 1 results: the marts and the model, read from DuckDB locally or from Snowflake in Streamlit in Snowflake.

Run locally with scripts/app. The engine, database and schema come from engine.py's configuration.
"""

import queries
import streamlit as st
from navigation import VIEWS

st.set_page_config(layout="wide")
pages = [
    st.Page(view.file, title=view.menu_title, url_path=view.url_path, default=number == 0)
    for number, view in enumerate(VIEWS)
]
page = st.navigation(pages)
with st.sidebar:
    st.caption(f"Reading {queries.source().describe()}")
    if st.button("Reload data", help="Forget cached query results, e.g. after a dbt run"):
        queries.clear_cache()
page.run()
