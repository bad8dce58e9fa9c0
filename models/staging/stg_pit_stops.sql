with

source as (

    select * from {{ source('formula1', 'pit_stops') }}

),

renamed as (

    select
        cast(race_id as integer) as race_id,
        cast(driver_id as integer) as driver_id,
        cast(stop as integer) as stop,
        cast(lap as integer) as lap,
        {{ try_cast(clean_string('time'), 'time') }} as pit_stop_local_time,
        {{ clean_string('duration') }} as pit_stop_duration_formatted,
        -- the published milliseconds are authoritative; the text is parsed when they are missing
        coalesce(
            cast(milliseconds as bigint),
            {{ parse_duration_ms('duration') }}
        ) as pit_stop_milliseconds

    from source

),

converted as (

    select
        {{ integer_key('race_id', [('driver_id', 6), ('stop', 3)]) }} as pit_stop_id,
        *,
        cast(pit_stop_milliseconds as double) / 1000 as pit_stop_duration_seconds

    from renamed

)

select * from converted
