"""The two Python models of the marts (tag `bi`): the engine aggregates, pandas sees one row per group.

- agg_lap_times_moving_avg: mean lap time per season and its 5-season moving average, null until five
  seasons of lap times exist.
- agg_fastest_pit_stops_by_constructor: pit-lane time statistics per constructor for one season (var
  pit_stop_season, default the latest with pit stops), ranked by median.

Both leave out what the marts flag as interrupted (a lap or stop longer than three median laps of its race:
a red flag or the garage; macro is_interrupted), so a race suspension does not pass for racing pace.
"""

import pandas as pd

WINDOW_SEASONS = 5
STATISTICS = ["pit_stop_count", "mean_seconds", "std_seconds", "min_seconds", "q1_seconds", "median_seconds",
              "q3_seconds", "max_seconds"]  # fmt: skip


def moving_average(per_season: pd.DataFrame, window: int = WINDOW_SEASONS) -> pd.DataFrame:
    trend = per_season.sort_values("race_year").reset_index(drop=True)
    trend["lap_moving_avg_5_years"] = trend["lap_time_seconds"].rolling(window, min_periods=window).mean()
    return trend


def mean_lap_seconds_per_season(relation, engine: str) -> pd.DataFrame:
    """Aggregate in the engine: Snowpark DataFrame or DuckDB relation in, one row per season out. The mean
    is over the laps that were not interrupted; the interrupted ones are counted apart."""
    if engine == "snowflake":
        from snowflake.snowpark import functions as F

        interrupted = F.col("IS_INTERRUPTED_LAP")
        kept = relation.filter(~interrupted).group_by("RACE_YEAR")
        frame = kept.agg(F.avg("LAP_TIME_MILLISECONDS").alias("MEAN_MS"), F.count("*").alias("LAP_COUNT"))
        left_out = relation.filter(interrupted).group_by("RACE_YEAR").agg(F.count("*").alias("INTERRUPTED"))
        frame, left_out = frame.to_pandas(), left_out.to_pandas()
    else:
        kept = relation.filter("not is_interrupted_lap")
        frame = kept.aggregate("race_year, avg(lap_time_milliseconds) as mean_ms, count(*) as lap_count", "race_year")
        left_out = relation.filter("is_interrupted_lap").aggregate("race_year, count(*) as interrupted", "race_year")
        frame, left_out = frame.df(), left_out.df()
    frame.columns = [column.lower() for column in frame.columns]
    left_out.columns = [column.lower() for column in left_out.columns]
    frame = frame.merge(left_out, on="race_year", how="left")
    # Milliseconds to seconds on the small result (one row per season), the same for both engines.
    return pd.DataFrame(
        {
            "race_year": frame["race_year"].astype("int64"),
            "lap_time_seconds": frame["mean_ms"].astype("float64") / 1000,
            "lap_count": frame["lap_count"].astype("int64"),
            "interrupted_lap_count": frame["interrupted"].fillna(0).astype("int64"),
        }
    )


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


def season_statistics(relation, configured_season, engine: str) -> pd.DataFrame:
    """Filter one season and aggregate per constructor in the engine (Snowpark or DuckDB), interrupted stops
    left out."""
    if engine == "snowflake":
        from snowflake.snowpark import functions as F

        relation = relation.filter(~F.col("IS_INTERRUPTED_STOP"))
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
        relation = relation.filter("not is_interrupted_stop")
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
