with

pit_stops as (

    select * from {{ ref('stg_pit_stops') }}

),

final as (

    select
        pit_stop_id,
        race_id,
        driver_id,
        stop,
        lap,
        pit_stop_local_time,
        pit_stop_duration_formatted,
        pit_stop_milliseconds,
        pit_stop_duration_seconds,
        count(*) over (partition by race_id, driver_id) as total_pit_stops_per_race

    from pit_stops

)

select * from final
