with

source as (

    select * from {{ source('formula1', 'sprint_results') }}

),

renamed as (

    select
        cast(result_id as integer) as sprint_result_id,
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
        {{ clean_string('time') }} as sprint_time_or_gap,
        cast(milliseconds as bigint) as sprint_time_milliseconds,
        {{ try_cast(clean_string('fastest_lap'), 'integer') }} as fastest_lap,
        {{ clean_string('fastest_lap_time') }} as fastest_lap_time_formatted,
        {{ parse_duration_ms('fastest_lap_time') }} as fastest_lap_time_milliseconds

    from source

)

select * from renamed
