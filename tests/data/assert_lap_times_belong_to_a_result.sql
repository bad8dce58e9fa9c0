-- Every driver with lap times in a race has a result in that race.
with

lap_drivers as (

    select distinct
        race_id,
        driver_id

    from {{ ref('fct_lap_times') }}

),

results as (

    select distinct
        race_id,
        driver_id

    from {{ ref('fct_results') }}

),

without_result as (

    select
        lap_drivers.race_id,
        lap_drivers.driver_id

    from lap_drivers
    left join results
        on
            lap_drivers.race_id = results.race_id
            and lap_drivers.driver_id = results.driver_id
    where results.race_id is null

)

select * from without_result
