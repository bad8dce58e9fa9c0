with

source as (

    select * from {{ source('formula1', 'lap_times') }}

),

renamed as (

    select
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

),

keyed as (

    select
        {{ integer_key('race_id', [('driver_id', 6), ('lap', 3)]) }} as lap_time_id,
        *

    from renamed

)

select * from keyed
