"""What every page shares: the notice for a table it cannot show, and the registry check of the ML pages."""

import pandas as pd
import queries
import streamlit as st

NO_MODEL_MESSAGE = "No model registered yet: run scripts/run"


def show(table: queries.Table) -> pd.DataFrame | None:
    """The table's rows, or None after showing why they cannot be shown."""
    if table.frame is None:
        (st.info if table.not_built else st.warning)(table.problem)
    return table.frame


def registry_or_notice() -> pd.DataFrame | None:
    """The model registry, or None after telling that no model is registered (or why it cannot be read)."""
    registry = queries.read("ml_model_registry")
    if registry.is_empty:
        st.info(NO_MODEL_MESSAGE)
        return None
    return show(registry)


def number_columns(frame: pd.DataFrame, columns: list[str], format: str = "%.3f") -> dict:
    """Column settings for st.dataframe: the given numeric columns with a fixed number format."""
    return {column: st.column_config.NumberColumn(format=format) for column in columns if column in frame}
