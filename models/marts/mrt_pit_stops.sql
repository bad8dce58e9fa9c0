with

pit_stops as (

    select * from {{ ref('fct_pit_stops') }}

),

races as (

    select * from {{ ref('dim_races') }}

),

drivers as (

    select * from {{ ref('dim_drivers') }}

),

constructors as (

    select * from {{ ref('dim_constructors') }}

),

results as (

    select * from {{ ref('fct_results') }}

),

-- the yardstick of an interrupted lap or stop (macro is_interrupted): the race's median lap
race_median_lap as (

    select * from {{ ref('mrt_race_median_laps') }}

),

-- a driver has one car per race since the 1960s; the lowest constructor id keeps older
-- shared drives to one row
driver_constructor_per_race as (

    select
        race_id,
        driver_id,
        min(constructor_id) as constructor_id

    from results
    group by 1, 2

),

final as (

    select
        pit_stops.pit_stop_id,
        pit_stops.race_id,
        races.race_year,
        races.race_name,
        races.race_date,
        pit_stops.driver_id,
        drivers.driver_name,
        driver_constructor_per_race.constructor_id,
        constructors.constructor_name,
        pit_stops.stop,
        pit_stops.lap,
        pit_stops.pit_stop_duration_seconds,
        pit_stops.pit_stop_milliseconds,
        pit_stops.total_pit_stops_per_race,
        {{ is_interrupted('pit_stops.pit_stop_milliseconds', 'race_median_lap.median_lap_milliseconds') }}
            as is_interrupted_stop

    from pit_stops
    left join races
        on pit_stops.race_id = races.race_id
    left join drivers
        on pit_stops.driver_id = drivers.driver_id
    left join driver_constructor_per_race
        on pit_stops.race_id = driver_constructor_per_race.race_id
            and pit_stops.driver_id = driver_constructor_per_race.driver_id
    left join constructors
        on driver_constructor_per_race.constructor_id = constructors.constructor_id
    left join race_median_lap
        on pit_stops.race_id = race_median_lap.race_id

)

select * from final
