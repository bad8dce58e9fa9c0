with

driver_standings as (

    select * from {{ ref('stg_driver_standings') }}

),

final as (

    select
        driver_standing_id,
        race_id,
        driver_id,
        championship_points,
        championship_position,
        championship_position_text,
        wins

    from driver_standings

)

select * from final
