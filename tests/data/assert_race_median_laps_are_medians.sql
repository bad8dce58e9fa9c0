-- mrt_race_median_laps holds a median of each race's timed laps, checked by the definition rather than by
-- another median: at most half the laps are faster than it and at most half slower, and it counts every
-- timed lap; every race with a timed lap has its row. (A median() here would hold every lap in memory, which
-- at 100x the data is more than DuckDB's cap: docs/decisions.md, 52.)
with

laps as (
    select
        race_id,
        lap_time_milliseconds
    from {{ ref('fct_lap_times') }}
    where lap_time_milliseconds is not null
),

medians as (
    select * from {{ ref('mrt_race_median_laps') }}
),

per_race as (
    select
        laps.race_id,
        count(*) as laps_counted,
        count(case when laps.lap_time_milliseconds < medians.median_lap_milliseconds then 1 end) as faster,
        count(case when laps.lap_time_milliseconds > medians.median_lap_milliseconds then 1 end) as slower,
        max(medians.timed_laps) as timed_laps,
        count(medians.race_id) as with_median
    from laps
    left join medians
        on laps.race_id = medians.race_id
    group by 1
)

select *
from per_race
where
    with_median = 0
    or timed_laps <> laps_counted
    or 2 * faster > laps_counted
    or 2 * slower > laps_counted
