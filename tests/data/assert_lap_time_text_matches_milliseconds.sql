-- parse_duration_ms on the published lap time text gives exactly the published milliseconds,
-- for every lap of the raw data (m:ss.fff and h:mm:ss.fff shapes).
with

lap_times as (

    select
        race_id,
        driver_id,
        lap,
        time as lap_time_text,
        milliseconds,
        {{ parse_duration_ms('time') }} as parsed_milliseconds

    from {{ source('formula1', 'lap_times') }}
    where time is not null
        and milliseconds is not null

)

select *
from lap_times
where parsed_milliseconds is null
    or parsed_milliseconds <> milliseconds
