"""Mean lap time per season and its 5-season moving average (tag `bi`).

The engine averages the lap-level rows of mrt_lap_times_years per season; pandas only sees one row per
season and computes the moving average, which is null until five seasons of lap times exist.
"""

import pandas as pd

WINDOW_SEASONS = 5


def moving_average(per_season: pd.DataFrame, window: int = WINDOW_SEASONS) -> pd.DataFrame:
    trend = per_season.sort_values("race_year").reset_index(drop=True)
    trend["lap_moving_avg_5_years"] = trend["lap_time_seconds"].rolling(window, min_periods=window).mean()
    return trend


# --- engine edges ----------------------------------------------------------------------------------------


def mean_lap_seconds_per_season(relation, engine: str) -> pd.DataFrame:
    """Aggregate in the engine: Snowpark DataFrame or DuckDB relation in, one row per season out."""
    if engine == "snowflake":
        from snowflake.snowpark import functions as F

        frame = relation.group_by("RACE_YEAR").agg(F.avg("LAP_TIME_MILLISECONDS").alias("MEAN_MS")).to_pandas()
    else:
        frame = relation.aggregate("race_year, avg(lap_time_milliseconds) as mean_ms", "race_year").df()
    frame.columns = [column.lower() for column in frame.columns]
    # Milliseconds to seconds on the small result (one row per season), the same for both engines.
    seconds = frame["mean_ms"].astype("float64") / 1000
    return pd.DataFrame({"race_year": frame["race_year"].astype("int64"), "lap_time_seconds": seconds})


def to_engine(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if settings["engine"] == "snowflake" else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3"], python_version="3.11")
    settings = dbt.config.get("meta")
    per_season = mean_lap_seconds_per_season(dbt.ref("mrt_lap_times_years"), settings["engine"])
    return to_engine(moving_average(per_season), settings)
