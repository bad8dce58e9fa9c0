-- parse_duration_ms on the published lap time text gives exactly the published milliseconds (m:ss.fff and
-- h:mm:ss.fff shapes). Each distinct (text, milliseconds) pair is parsed once, with the number of laps that
-- carry it: about 130 thousand pairs for 5.9 million laps at 10x the data, so the test costs what it checks
-- (parsing every lap took 40 times longer).
with

published_pairs as (

    select
        time as lap_time_text,
        milliseconds,
        count(*) as laps

    from {{ source('formula1', 'lap_times') }}
    where time is not null
        and milliseconds is not null
    group by 1, 2

),

parsed as (

    select
        lap_time_text,
        milliseconds,
        laps,
        {{ parse_duration_ms('lap_time_text') }} as parsed_milliseconds

    from published_pairs

)

select *
from parsed
where parsed_milliseconds is null
    or parsed_milliseconds <> milliseconds
