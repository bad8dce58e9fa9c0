-- One row per race with lap times: its median lap, the yardstick of an interrupted lap or pit stop (macro
-- is_interrupted). Computed once here for mrt_lap_times_years and mrt_pit_stops: at 100x the data two exact
-- medians over every lap, run side by side, ran out of DuckDB's memory cap.
with

lap_times as (

    select * from {{ ref('fct_lap_times') }}

),

final as (

    select
        race_id,
        count(lap_time_milliseconds) as timed_laps,
        median(lap_time_milliseconds) as median_lap_milliseconds

    from lap_times
    where lap_time_milliseconds is not null
    group by 1

)

select * from final
