"""Pit-stop duration statistics per constructor for one season (tag `bi`).

The season is the var pit_stop_season, default the latest season with pit stops. The engine filters the
season and aggregates (count, mean, std, min, quartiles, max of pit-stop seconds); pandas only sees one
row per constructor, ranks them by median and fixes the column types.
"""

import pandas as pd

STATISTICS = ["pit_stop_count", "mean_seconds", "std_seconds", "min_seconds", "q1_seconds", "median_seconds",
              "q3_seconds", "max_seconds"]  # fmt: skip


def rank_by_median(stats: pd.DataFrame) -> pd.DataFrame:
    ranked = stats.sort_values(["median_seconds", "constructor_name"]).reset_index(drop=True)
    ranked["rank_by_median"] = range(1, len(ranked) + 1)
    return ranked[["race_year", "constructor_name", "rank_by_median", *STATISTICS]]


def resolve_season(configured, latest_with_pit_stops) -> int:
    if configured in (None, ""):
        if latest_with_pit_stops is None:
            raise ValueError("mrt_pit_stops has no rows: no season to describe")
        return int(latest_with_pit_stops)
    return int(configured)


# --- engine edges ----------------------------------------------------------------------------------------


def season_statistics(relation, configured_season, engine: str) -> pd.DataFrame:
    """Filter one season and aggregate per constructor in the engine (Snowpark or DuckDB)."""
    if engine == "snowflake":
        from snowflake.snowpark import functions as F

        season = resolve_season(configured_season, relation.agg(F.max("RACE_YEAR")).collect()[0][0])
        seconds = F.col("PIT_STOP_DURATION_SECONDS")
        stats = (
            relation.filter(F.col("RACE_YEAR") == season)
            .group_by("CONSTRUCTOR_NAME")
            .agg(
                F.count(seconds).alias("PIT_STOP_COUNT"),
                F.avg(seconds).alias("MEAN_SECONDS"),
                F.stddev_samp(seconds).alias("STD_SECONDS"),
                F.min(seconds).alias("MIN_SECONDS"),
                F.percentile_cont(0.25).within_group(seconds).alias("Q1_SECONDS"),
                F.median(seconds).alias("MEDIAN_SECONDS"),
                F.percentile_cont(0.75).within_group(seconds).alias("Q3_SECONDS"),
                F.max(seconds).alias("MAX_SECONDS"),
            )
            .to_pandas()
        )
    else:
        season = resolve_season(configured_season, relation.aggregate("max(race_year)").fetchall()[0][0])
        seconds = "pit_stop_duration_seconds"
        stats = (
            relation.filter(f"race_year = {season}")
            .aggregate(
                f"constructor_name, count({seconds}) as pit_stop_count, avg({seconds}) as mean_seconds, "
                f"stddev_samp({seconds}) as std_seconds, min({seconds}) as min_seconds, "
                f"quantile_cont({seconds}, 0.25) as q1_seconds, median({seconds}) as median_seconds, "
                f"quantile_cont({seconds}, 0.75) as q3_seconds, max({seconds}) as max_seconds",
                "constructor_name",
            )
            .df()
        )
    stats.columns = [column.lower() for column in stats.columns]
    return stats.assign(race_year=season).astype({"pit_stop_count": "int64"})


def to_engine(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if settings["engine"] == "snowflake" else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3"], python_version="3.11")
    settings = dbt.config.get("meta")
    statistics = season_statistics(dbt.ref("mrt_pit_stops"), settings["pit_stop_season"], settings["engine"])
    return to_engine(rank_by_median(statistics), settings)
