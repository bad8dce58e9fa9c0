-- parse_duration_ms on the published pit stop duration gives exactly the published milliseconds
-- (ss.fff for ordinary stops, m:ss.fff for stops during red flags). As for lap times, each distinct
-- (text, milliseconds) pair is parsed once, with the number of stops that carry it.
with

published_pairs as (

    select
        duration as duration_text,
        milliseconds,
        count(*) as stops

    from {{ source('formula1', 'pit_stops') }}
    where duration is not null
        and milliseconds is not null
    group by 1, 2

),

parsed as (

    select
        duration_text,
        milliseconds,
        stops,
        {{ parse_duration_ms('duration_text') }} as parsed_milliseconds

    from published_pairs

)

select *
from parsed
where parsed_milliseconds is null
    or parsed_milliseconds <> milliseconds
