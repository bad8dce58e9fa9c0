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

# Cached results live this long at most. They are keyed by the build stamp too (build_stamp below), so a
# newer dbt build is read at once; the sidebar's "Reload data" button clears them.
CACHE_SECONDS = 600
# The one-row table the on-run-end hook of dbt_project.yml replaces after every build, even a failed one.
BUILD_STAMP_TABLE = "dbt_build_stamp"
SCORECARD = (
    "races rows_scored model_calls_right grid_rule_calls_right model_accuracy grid_rule_accuracy accuracy_difference "
    "accuracy_ci_low accuracy_ci_high model_macro_f1 grid_rule_macro_f1 macro_f1_difference macro_f1_ci_low "
    "macro_f1_ci_high model_balanced_accuracy grid_rule_balanced_accuracy balanced_accuracy_difference "
    "balanced_accuracy_ci_low balanced_accuracy_ci_high model_log_loss frequency_log_loss uncoupled_log_loss "
    "model_brier_score frequency_brier_score uncoupled_brier_score log_loss_difference log_loss_ci_low "
    "log_loss_ci_high podium_calls_per_race"
)


@dataclass(frozen=True)
class Contract:
    required: str  # column names, space-separated: without any of them the table cannot be shown
    order_by: str
    optional: str = ""  # columns read as nulls when the table lacks them


TABLES = {
    "agg_lap_times_moving_avg": Contract(
        "race_year lap_time_seconds lap_moving_avg_5_years lap_count interrupted_lap_count", "race_year"
    ),
    "agg_pit_stops_by_constructor_season": Contract(
        "race_year constructor_name rank_by_median pit_stop_count mean_seconds std_seconds min_seconds q1_seconds "
        "median_seconds q3_seconds max_seconds interrupted_stop_count",
        "race_year, rank_by_median",
    ),
    "apply_prediction_to_position": Contract(
        "driver_race_id race_id race_year race_round race_date race_name circuit_name driver_ref driver_name "
        "constructor_team race_status grid grid_position grid_source position position_label grid_baseline_label "
        "prob_podium prob_points prob_no_points predicted_position_label model_version is_promoted predicted_at "
        "data_through_race_date",
        "race_date, race_id, grid_position, driver_ref",
    ),
    "ml_hold_out_evaluation": Contract(
        f"scope season model_version predicted_at is_partial_season {SCORECARD}", "scope"
    ),
    "ml_hold_out_confusion_matrix": Contract(
        "model_version predictor actual_label predicted_label row_count", "predictor, actual_label, predicted_label"
    ),
    "ml_backtest": Contract(
        f"scope backtest_season training_first_season training_last_season {SCORECARD} used_in_selection "
        "is_partial_season seasons_scored seasons_log_loss_below_frequency seasons_log_loss_below_uncoupled",
        "scope desc, backtest_season",
    ),
    "ml_calibration": Contract(
        "predicted_label class_name probability_bin bin_lower bin_upper rows_in_bin mean_predicted_probability "
        "observed_rate",
        "predicted_label, probability_bin",
    ),
    "ml_model_registry": Contract(
        "model_version status trained_at training_first_season training_last_season validation_season "
        "model_accuracy grid_rule_accuracy model_macro_f1 grid_rule_macro_f1 model_balanced_accuracy "
        "grid_rule_balanced_accuracy model_log_loss frequency_log_loss is_promoted promotion_reason is_latest "
        "is_serving store_metadata_check",
        "model_version",
    ),
    "ml_track_record": Contract(
        f"scope model_version race_id race_year race_round race_name race_date forecast_made_at grid_source "
        f"rows_without_result podium_calls_right {SCORECARD} running_model_log_loss running_frequency_log_loss "
        "first_race_date last_race_date",
        "model_version, scope, race_date",
    ),
}


@dataclass(frozen=True)
class BuildStamp:
    """The dbt command that last built the schema (the hook's table): a newer one means newer data."""

    invocation_id: str
    command: str
    finished_at: str  # UTC, ISO 8601
    failed_nodes: int


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
    """One table of TABLES as of the session's build stamp, or the reason it cannot be read."""
    where, stamp = source(), st.session_state.get(STAMP_KEY)
    try:
        columns = _catalog(where, stamp).get(table)
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
        return Table(table, _query(where, sql, stamp))
    except engine.DatabaseMissing:
        return Table(table, None, f"No database yet at {where.describe()}: run scripts/run.", not_built=True)
    except engine.DatabaseBusy:
        return Table(table, None, "A dbt run is writing the database right now: reload this page in a moment.")


def clear_cache() -> None:
    _catalog.clear()
    _query.clear()
    _build_stamp.clear()


# The session's build stamp: the build its pages read. It moves on only when a newer stamp can be read, so
# while dbt holds the DuckDB file a page still shows what it showed, from the cache.
STAMP_KEY = "build_stamp"
# Every page run and every poll of every session asks for the stamp: one read serves them for this long.
STAMP_SECONDS = 2


# The newest stamp read in this process, per source: while a dbt run holds the DuckDB file, a page opened in a
# new session reads as of it too, so it is served from the cache instead of waiting for the run.
_LAST_SEEN: dict[engine.Source, BuildStamp] = {}


def build_stamp() -> BuildStamp | None:
    """The newest build stamp; while it cannot be read (a dbt run holds the file), the last one read; None
    when no build has written one yet."""
    where = source()
    try:
        stamp = _build_stamp(where)
    except (engine.DatabaseBusy, engine.DatabaseMissing):
        return _LAST_SEEN.get(where)
    if stamp is not None:
        _LAST_SEEN[where] = stamp
    return stamp


def follow_build() -> bool:
    """Move the session to the newest build; True when it moved (the pages then read the new data)."""
    newest = build_stamp()
    if newest is None or newest == st.session_state.get(STAMP_KEY):
        return False
    st.session_state[STAMP_KEY] = newest
    return True


@st.cache_data(ttl=STAMP_SECONDS, show_spinner=False)
def _build_stamp(where: engine.Source) -> BuildStamp | None:
    """Asked once per page run and per poll, by every session: cached a moment, and read without waiting for
    a dbt run's lock."""
    fields = ["invocation_id", "command", "finished_at", "failed_nodes"]
    columns = _catalog_now(where, lock_wait=0).get(BUILD_STAMP_TABLE, set())
    if not set(fields) <= columns:  # built before the hook existed
        return None
    sql = f"select {', '.join(fields)} from {where.schema}.{BUILD_STAMP_TABLE}"
    rows = engine.run_query(where, sql, lock_wait=0).to_dict("records")
    if not rows:
        return None
    row = rows[0]
    return BuildStamp(str(row["invocation_id"]), str(row["command"]), str(row["finished_at"]), int(row["failed_nodes"]))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _catalog(where: engine.Source, stamp: BuildStamp | None) -> dict[str, set[str]]:
    return _catalog_now(where)


def _catalog_now(where: engine.Source, lock_wait: float | None = None) -> dict[str, set[str]]:
    """Tables of the schema and their columns, lower case, from information_schema (the same on both engines)."""
    rows = engine.run_query(
        where,
        "select lower(table_name) as table_name, lower(column_name) as column_name "
        f"from information_schema.columns where lower(table_schema) = '{where.schema.lower()}'",
        lock_wait=lock_wait,
    )
    catalog: dict[str, set[str]] = {}
    for table, column in rows.itertuples(index=False):
        catalog.setdefault(table, set()).add(column)
    return catalog


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _query(where: engine.Source, sql: str, stamp: BuildStamp | None) -> pd.DataFrame:
    frame = engine.run_query(where, sql)
    # Snowflake's NUMBER arrives as Python Decimal objects in some versions: make every such column a float.
    for column in frame.columns:
        if frame[column].dtype == "object" and frame[column].map(lambda value: isinstance(value, Decimal)).any():
            frame[column] = frame[column].astype("float64")
    return frame
