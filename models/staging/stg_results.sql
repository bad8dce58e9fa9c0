with

source as (

    select * from {{ source('formula1', 'results') }}

),

renamed as (

    select
        cast(result_id as integer) as result_id,
        cast(race_id as integer) as race_id,
        cast(driver_id as integer) as driver_id,
        cast(constructor_id as integer) as constructor_id,
        cast(status_id as integer) as status_id,
        cast(number as integer) as car_number,
        cast(grid as integer) as grid,
        -- null when not classified: position_text decides, whatever the file put in position
        {{ classified_position('position', 'position_text') }} as position,
        {{ clean_string('position_text') }} as position_text,
        cast(position_order as integer) as position_order,
        cast(points as decimal(10, 2)) as points,
        cast(laps as integer) as laps,
        {{ clean_string('time') }} as race_time_or_gap,
        cast(milliseconds as bigint) as race_time_milliseconds,
        cast(fastest_lap as integer) as fastest_lap,
        cast(rank as integer) as fastest_lap_rank,
        {{ clean_string('fastest_lap_time') }} as fastest_lap_time_formatted,
        {{ parse_duration_ms('fastest_lap_time') }} as fastest_lap_time_milliseconds,
        cast(fastest_lap_speed as double) as fastest_lap_speed_kph

    from source

)

select * from renamed
