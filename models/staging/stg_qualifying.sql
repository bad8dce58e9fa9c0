with

source as (

    select * from {{ source('formula1', 'qualifying') }}

),

renamed as (

    select
        cast(qualifying_id as integer) as qualifying_id,
        cast(race_id as integer) as race_id,
        cast(driver_id as integer) as driver_id,
        cast(constructor_id as integer) as constructor_id,
        cast(number as integer) as car_number,
        cast(position as integer) as qualifying_position,
        {{ clean_string('q1') }} as q1_time_formatted,
        {{ clean_string('q2') }} as q2_time_formatted,
        {{ clean_string('q3') }} as q3_time_formatted,
        {{ parse_duration_ms('q1') }} as q1_milliseconds,
        {{ parse_duration_ms('q2') }} as q2_milliseconds,
        {{ parse_duration_ms('q3') }} as q3_milliseconds

    from source

)

select * from renamed
