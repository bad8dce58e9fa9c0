with

constructor_standings as (

    select * from {{ ref('stg_constructor_standings') }}

),

final as (

    select
        constructor_standing_id,
        race_id,
        constructor_id,
        championship_points,
        championship_position,
        championship_position_text,
        wins

    from constructor_standings

)

select * from final
