with

source as (

    select * from {{ source('formula1', 'seasons') }}

),

renamed as (

    select
        cast(year as integer) as season_year,
        {{ clean_string('url') }} as season_url

    from source

)

select * from renamed
