with

source as (

    select * from {{ source('formula1', 'lap_times') }}

),

renamed as (

    select
        {{ surrogate_key(['race_id', 'driver_id', 'lap']) }} as lap_time_id,
        cast(race_id as integer) as race_id,
        cast(driver_id as integer) as driver_id,
        cast(lap as integer) as lap,
        cast(position as integer) as driver_position,
        {{ clean_string('time') }} as lap_time_formatted,
        -- the published milliseconds are authoritative; the text is parsed when they are missing
        coalesce(
            cast(milliseconds as bigint),
            {{ parse_duration_ms('time') }}
        ) as lap_time_milliseconds

    from source

)

select * from renamed
