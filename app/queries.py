"""The tables the app reads (dbt marts and ML tables only) and their columns: the app's one contract with dbt.

Every read selects the listed columns of one whole table (each is small: at most a few hundred rows) and is
cached, so pages filter in pandas and a page load runs no query once cached. A table that is absent, or lacks
a required column, comes back as a Table with a `problem` to show instead of a traceback. An optional column
the table lacks comes back as nulls, so the app also reads ML tables built before a column was added.
"""

from dataclasses import dataclass
from decimal import Decimal

import engine
import pandas as pd
import streamlit as st

# Cached results live this long; the sidebar's "Reload data" button clears them at once.
CACHE_SECONDS = 600


@dataclass(frozen=True)
class Contract:
    required: str  # column names, space-separated: without any of them the table cannot be shown
    order_by: str
    optional: str = ""  # columns read as nulls when the table lacks them


TABLES = {
    "agg_lap_times_moving_avg": Contract("race_year lap_time_seconds lap_moving_avg_5_years", "race_year"),
    "agg_pit_stops_by_constructor_season": Contract(
        "race_year constructor_name rank_by_median pit_stop_count mean_seconds std_seconds min_seconds q1_seconds "
        "median_seconds q3_seconds max_seconds",
        "race_year, rank_by_median",
    ),
    "apply_prediction_to_position": Contract(
        "driver_race_id race_id race_year race_round race_date circuit_name driver_ref constructor_team grid position "
        "position_label grid_baseline_label prob_podium prob_points prob_no_points predicted_position_label "
        "model_version",
        "race_round, grid_position, grid, driver_ref",
        optional="race_name driver_name grid_position is_promoted",
    ),
    "ml_hold_out_evaluation": Contract(
        "predictor model_version row_count balanced_accuracy macro_f1 accuracy recall_podium recall_points "
        "recall_no_points",
        "predictor desc",
        optional="log_loss brier_score",
    ),
    "ml_hold_out_confusion_matrix": Contract(
        "model_version predictor actual_label predicted_label row_count", "predictor, actual_label, predicted_label"
    ),
    "ml_backtest": Contract(
        "scope backtest_season training_first_season training_last_season races rows_scored model_balanced_accuracy "
        "baseline_balanced_accuracy balanced_accuracy_difference difference_ci_low difference_ci_high "
        "model_macro_f1 baseline_macro_f1 model_log_loss frequency_log_loss model_brier_score "
        "frequency_brier_score used_in_selection",
        "scope desc, backtest_season",
    ),
    "ml_calibration": Contract(
        "predicted_label class_name probability_bin bin_lower bin_upper rows_in_bin mean_predicted_probability "
        "observed_rate",
        "predicted_label, probability_bin",
    ),
    "ml_model_registry": Contract(
        "model_version trained_at training_first_season training_last_season validation_season hold_out_season "
        "model_balanced_accuracy baseline_balanced_accuracy model_macro_f1 baseline_macro_f1 is_latest",
        "model_version",
        optional="status model_log_loss frequency_log_loss is_promoted promotion_reason is_serving artifact_sha256",
    ),
}


@dataclass
class Table:
    name: str
    frame: pd.DataFrame | None  # None when the table cannot be shown
    problem: str | None = None  # why not, in words for the page
    not_built: bool = False  # the table (or the whole database) does not exist yet

    @property
    def is_empty(self) -> bool:
        return self.not_built or (self.frame is not None and self.frame.empty)


def source() -> engine.Source:
    return engine.configured_source()


def read(table: str) -> Table:
    """One table of TABLES, or the reason it cannot be read."""
    where = source()
    try:
        columns = _catalog(where).get(table)
        if columns is None:
            message = f"Table `{table}` is not built yet in {where.describe()}: run scripts/run."
            return Table(table, None, message, not_built=True)
        contract = TABLES[table]
        required, optional = contract.required.split(), contract.optional.split()
        missing = [column for column in required if column not in columns]
        if missing:
            return Table(table, None, f"Table `{table}` lacks columns {', '.join(missing)}: rebuild it (scripts/run).")
        select = [column if column in columns else f"null as {column}" for column in required + optional]
        sql = f"select {', '.join(select)} from {where.schema}.{table} order by {contract.order_by}"
        return Table(table, _query(where, sql))
    except engine.DatabaseMissing:
        return Table(table, None, f"No database yet at {where.describe()}: run scripts/run.", not_built=True)
    except engine.DatabaseBusy:
        return Table(table, None, "A dbt run is writing the database right now: reload this page in a moment.")


def clear_cache() -> None:
    _catalog.clear()
    _query.clear()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _catalog(where: engine.Source) -> dict[str, set[str]]:
    """Tables of the schema and their columns, lower case, from information_schema (the same on both engines)."""
    rows = engine.run_query(
        where,
        "select lower(table_name) as table_name, lower(column_name) as column_name "
        f"from information_schema.columns where lower(table_schema) = '{where.schema.lower()}'",
    )
    catalog: dict[str, set[str]] = {}
    for table, column in rows.itertuples(index=False):
        catalog.setdefault(table, set()).add(column)
    return catalog


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _query(where: engine.Source, sql: str) -> pd.DataFrame:
    frame = engine.run_query(where, sql)
    # Snowflake's NUMBER arrives as Python Decimal objects in some versions: make every such column a float.
    for column in frame.columns:
        if frame[column].dtype == "object" and frame[column].map(lambda value: isinstance(value, Decimal)).any():
            frame[column] = frame[column].astype("float64")
    return frame
