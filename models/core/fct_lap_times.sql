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
        -- the time as published (lap_time_formatted) stays in the staging view, where its test reads it:
        -- at 100x the data, storing its 59 million copies was over half of this build (docs/decisions.md, 60)
        lap_time_milliseconds

    from lap_times

)

select * from final
