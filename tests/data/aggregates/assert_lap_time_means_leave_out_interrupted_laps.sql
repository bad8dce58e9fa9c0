-- The season means of agg_lap_times_moving_avg leave out every lap longer than three median laps of its race
-- (the race was suspended during it, or the car stood in the garage) and count those laps apart: recomputed
-- here from the core tables and the races' medians (mrt_race_median_laps, checked by
-- assert_race_median_laps_are_medians), without the mart's flag.
with

laps as (
    select
        lap_times.race_id,
        races.race_year,
        lap_times.lap_time_milliseconds
    from {{ ref('fct_lap_times') }} as lap_times
    inner join {{ ref('dim_races') }} as races
        on lap_times.race_id = races.race_id
),

race_medians as (
    select
        race_id,
        median_lap_milliseconds as median_milliseconds
    from {{ ref('mrt_race_median_laps') }}
),

expected as (
    select
        laps.race_year,
        avg(
            case
                when laps.lap_time_milliseconds <= 3 * race_medians.median_milliseconds
                    then laps.lap_time_milliseconds
            end
        ) / 1000.0 as lap_time_seconds,
        count(case when laps.lap_time_milliseconds > 3 * race_medians.median_milliseconds then 1 end)
            as interrupted_lap_count
    from laps
    inner join race_medians
        on laps.race_id = race_medians.race_id
    group by 1
),

compared as (
    select
        expected.race_year,
        expected.lap_time_seconds as expected_seconds,
        trend.lap_time_seconds as actual_seconds,
        expected.interrupted_lap_count as expected_interrupted,
        trend.interrupted_lap_count as actual_interrupted
    from expected
    full outer join {{ ref('agg_lap_times_moving_avg') }} as trend
        on expected.race_year = trend.race_year
)

select *
from compared
where
    not abs(expected_seconds - actual_seconds) < 1e-9
    or expected_interrupted is null
    or actual_interrupted is null
    or expected_interrupted <> actual_interrupted
