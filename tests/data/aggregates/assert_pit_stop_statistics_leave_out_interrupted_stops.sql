-- The pit-lane statistics of agg_pit_stops_by_constructor_season leave out every stop longer than three
-- median laps of its race (a red flag or the garage) and count those stops apart: recomputed here from the
-- stops and the races' medians (mrt_race_median_laps, checked by assert_race_median_laps_are_medians), without
-- the mart's flag (a race without lap times keeps every stop).
with

race_medians as (
    select
        race_id,
        median_lap_milliseconds as median_milliseconds
    from {{ ref('mrt_race_median_laps') }}
),

stops as (
    select
        pit_stops.race_year,
        pit_stops.constructor_name,
        pit_stops.pit_stop_duration_seconds,
        coalesce(pit_stops.pit_stop_milliseconds > 3 * race_medians.median_milliseconds, false) as interrupted
    from {{ ref('mrt_pit_stops') }} as pit_stops
    left join race_medians
        on pit_stops.race_id = race_medians.race_id
),

expected as (
    select
        race_year,
        constructor_name,
        count(case when not interrupted then 1 end) as pit_stop_count,
        max(case when not interrupted then pit_stop_duration_seconds end) as max_seconds,
        count(case when interrupted then 1 end) as interrupted_stop_count
    from stops
    group by 1, 2
    having count(case when not interrupted then 1 end) > 0
),

compared as (
    select
        expected.race_year,
        expected.constructor_name,
        expected.pit_stop_count as expected_count,
        seasons.pit_stop_count as actual_count,
        expected.max_seconds as expected_max,
        seasons.max_seconds as actual_max,
        expected.interrupted_stop_count as expected_interrupted,
        seasons.interrupted_stop_count as actual_interrupted
    from expected
    full outer join {{ ref('agg_pit_stops_by_constructor_season') }} as seasons
        on
            expected.race_year = seasons.race_year
            and expected.constructor_name = seasons.constructor_name
)

select *
from compared
where
    expected_count is null
    or actual_count is null
    or expected_count <> actual_count
    or not abs(expected_max - actual_max) < 1e-9
    or expected_interrupted <> actual_interrupted
