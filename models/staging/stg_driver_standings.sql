with

source as (

    select * from {{ source('formula1', 'driver_standings') }}

),

renamed as (

    select
        cast(driver_standings_id as integer) as driver_standing_id,
        cast(race_id as integer) as race_id,
        cast(driver_id as integer) as driver_id,
        cast(points as decimal(10, 2)) as championship_points,
        -- null when unranked (position_text '-')
        {{ championship_position('position', 'position_text') }} as championship_position,
        {{ clean_string('position_text') }} as championship_position_text,
        cast(wins as integer) as wins

    from source

)

select * from renamed
