with

lap_times as (

    select * from {{ ref('fct_lap_times') }}

),

races as (

    select * from {{ ref('dim_races') }}

),

-- the yardstick of an interrupted lap or stop (macro is_interrupted): the race's median lap
race_median_lap as (

    select * from {{ ref('mrt_race_median_laps') }}

),

final as (

    select
        lap_times.race_id,
        lap_times.driver_id,
        races.race_year,
        lap_times.lap,
        lap_times.lap_time_milliseconds,
        {{ is_interrupted('lap_times.lap_time_milliseconds', 'race_median_lap.median_lap_milliseconds') }}
            as is_interrupted_lap

    from lap_times
    inner join races
        on lap_times.race_id = races.race_id
    left join race_median_lap
        on lap_times.race_id = race_median_lap.race_id
    where lap_times.lap_time_milliseconds is not null

)

select * from final
