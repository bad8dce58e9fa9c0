-- parse_duration_ms on the published pit stop duration gives exactly the published milliseconds
-- (ss.fff for ordinary stops, m:ss.fff for stops during red flags).
with

pit_stops as (

    select
        race_id,
        driver_id,
        stop,
        duration as duration_text,
        milliseconds,
        {{ parse_duration_ms('duration') }} as parsed_milliseconds

    from {{ source('formula1', 'pit_stops') }}
    where duration is not null
        and milliseconds is not null

)

select *
from pit_stops
where parsed_milliseconds is null
    or parsed_milliseconds <> milliseconds
