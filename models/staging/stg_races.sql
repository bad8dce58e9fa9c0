with

source as (

    select * from {{ source('formula1', 'races') }}

),

renamed as (

    select
        cast(race_id as integer) as race_id,
        cast(year as integer) as race_year,
        cast(round as integer) as race_round,
        cast(circuit_id as integer) as circuit_id,
        {{ clean_string('name') }} as race_name,
        cast(date as date) as race_date,
        {{ try_cast(clean_string('time'), 'time') }} as race_time_utc,
        {{ clean_string('url') }} as race_url,
        {{ try_cast(clean_string('fp1_date'), 'date') }} as fp1_date,
        {{ try_cast(clean_string('fp1_time'), 'time') }} as fp1_time_utc,
        {{ try_cast(clean_string('fp2_date'), 'date') }} as fp2_date,
        {{ try_cast(clean_string('fp2_time'), 'time') }} as fp2_time_utc,
        {{ try_cast(clean_string('fp3_date'), 'date') }} as fp3_date,
        {{ try_cast(clean_string('fp3_time'), 'time') }} as fp3_time_utc,
        {{ try_cast(clean_string('quali_date'), 'date') }} as quali_date,
        {{ try_cast(clean_string('quali_time'), 'time') }} as quali_time_utc,
        {{ try_cast(clean_string('sprint_date'), 'date') }} as sprint_date,
        {{ try_cast(clean_string('sprint_time'), 'time') }} as sprint_time_utc,
        {{ try_cast(clean_string('sprint_date'), 'date') }} is not null as is_sprint_weekend

    from source

)

select * from renamed
