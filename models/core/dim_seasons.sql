with

seasons as (

    select * from {{ ref('stg_seasons') }}

),

races as (

    select * from {{ ref('stg_races') }}

),

races_per_season as (

    select
        race_year,
        count(*) as number_of_races,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date

    from races
    group by 1

),

final as (

    select
        seasons.season_year,
        races_per_season.first_race_date,
        races_per_season.last_race_date,
        seasons.season_url,
        coalesce(races_per_season.number_of_races, 0) as number_of_races

    from seasons
    left join races_per_season
        on seasons.season_year = races_per_season.race_year

)

select * from final
