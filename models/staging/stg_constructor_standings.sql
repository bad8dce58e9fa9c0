with

source as (

    select * from {{ source('formula1', 'constructor_standings') }}

),

renamed as (

    select
        cast(constructor_standings_id as integer) as constructor_standing_id,
        cast(race_id as integer) as race_id,
        cast(constructor_id as integer) as constructor_id,
        cast(points as decimal(10, 2)) as championship_points,
        -- null when unranked (position_text '-')
        {{ championship_position('position', 'position_text') }} as championship_position,
        {{ clean_string('position_text') }} as championship_position_text,
        cast(wins as integer) as wins

    from source

)

select * from renamed
