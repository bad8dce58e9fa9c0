-- One row per race with lap times: its median lap, the yardstick of an interrupted lap or pit stop (macro
-- is_interrupted). Computed once here for mrt_lap_times_years and mrt_pit_stops. The median is the middle
-- lap (or the mean of the two middle laps) of the race's laps in order, not the median() aggregate: at 100x
-- the data DuckDB's median() held every lap of every race in memory and failed at the 1 GB cap, where the
-- ordered window spills to disk (docs/decisions.md, 52).
with

lap_times as (

    select * from {{ ref('fct_lap_times') }}

),

ordered_laps as (

    select
        race_id,
        lap_time_milliseconds,
        row_number() over (partition by race_id order by lap_time_milliseconds) as place_in_race,
        count(*) over (partition by race_id) as timed_laps

    from lap_times
    where lap_time_milliseconds is not null

),

final as (

    select
        race_id,
        max(timed_laps) as timed_laps,
        avg(lap_time_milliseconds) as median_lap_milliseconds

    from ordered_laps
    -- the middle place of an odd count; the two middle places of an even one
    where place_in_race in (floor((timed_laps + 1) / 2), floor((timed_laps + 2) / 2))
    group by 1

)

select * from final
