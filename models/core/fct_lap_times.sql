with

lap_times as (

    select * from {{ ref('stg_lap_times') }}

),

final as (

    select
        lap_time_id,
        race_id,
        driver_id,
        lap,
        driver_position,
        lap_time_formatted,
        lap_time_milliseconds

    from lap_times

)

select * from final
