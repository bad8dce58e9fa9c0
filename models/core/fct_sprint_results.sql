with

sprint_results as (

    select * from {{ ref('stg_sprint_results') }}

),

final as (

    select
        sprint_result_id,
        race_id,
        driver_id,
        constructor_id,
        status_id,
        car_number,
        grid,
        position,
        position_text,
        position_order,
        points,
        laps,
        sprint_time_or_gap,
        sprint_time_milliseconds,
        fastest_lap,
        fastest_lap_time_formatted,
        fastest_lap_time_milliseconds

    from sprint_results

)

select * from final
