{#-
    A table rebuilt on every run, like the other core tables, so a correction the source makes to any race,
    however old, and a row it deletes reach this table and everything downstream without --full-refresh.
    Rebuilding costs as much as finding the changed rows would: both read every row of stg_results
    (docs/decisions.md, "Corrections to old races").
-#}

with

results as (

    select * from {{ ref('stg_results') }}

),

races as (

    select * from {{ ref('stg_races') }}

),

final as (

    select
        results.result_id,
        results.race_id,
        races.race_date,
        results.driver_id,
        results.constructor_id,
        results.status_id,
        results.car_number,
        results.grid,
        results.position,
        results.position_text,
        results.position_order,
        results.points,
        results.laps,
        results.race_time_or_gap,
        results.race_time_milliseconds,
        results.fastest_lap,
        results.fastest_lap_rank,
        results.fastest_lap_time_formatted,
        results.fastest_lap_time_milliseconds,
        results.fastest_lap_speed_kph

    from results
    left join races
        on results.race_id = races.race_id

)

select * from final
