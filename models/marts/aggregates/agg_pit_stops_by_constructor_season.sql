-- Pit-lane time statistics per constructor for every season with pit stops: the statistics of
-- agg_fastest_pit_stops_by_constructor (one season, the guide's model) for all seasons, so a reader such as
-- the results app can pick any season. Interrupted stops (mrt_pit_stops.is_interrupted_stop: a red flag or
-- the garage) are left out of the statistics and counted apart. A singular test checks both models agree
-- on the season that one describes.
with

pit_stops as (

    select * from {{ ref('mrt_pit_stops') }}

),

statistics as (

    select
        race_year,
        constructor_name,
        count(pit_stop_duration_seconds) as pit_stop_count,
        avg(pit_stop_duration_seconds) as mean_seconds,
        stddev_samp(pit_stop_duration_seconds) as std_seconds,
        min(pit_stop_duration_seconds) as min_seconds,
        percentile_cont(0.25) within group (order by pit_stop_duration_seconds) as q1_seconds,
        median(pit_stop_duration_seconds) as median_seconds,
        percentile_cont(0.75) within group (order by pit_stop_duration_seconds) as q3_seconds,
        max(pit_stop_duration_seconds) as max_seconds

    from pit_stops
    where not is_interrupted_stop
    group by 1, 2

),

interrupted as (

    select
        race_year,
        constructor_name,
        count(*) as interrupted_stop_count

    from pit_stops
    where is_interrupted_stop
    group by 1, 2

),

ranked as (

    select
        statistics.*,
        coalesce(interrupted.interrupted_stop_count, 0) as interrupted_stop_count,
        row_number() over (
            partition by statistics.race_year order by statistics.median_seconds, statistics.constructor_name
        ) as rank_by_median

    from statistics
    left join interrupted
        on
            statistics.race_year = interrupted.race_year
            and statistics.constructor_name = interrupted.constructor_name

)

select
    race_year,
    constructor_name,
    rank_by_median,
    pit_stop_count,
    mean_seconds,
    std_seconds,
    min_seconds,
    q1_seconds,
    median_seconds,
    q3_seconds,
    max_seconds,
    interrupted_stop_count

from ranked
