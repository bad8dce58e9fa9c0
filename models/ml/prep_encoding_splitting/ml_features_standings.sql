-- The championship before the race: the standings after the previous round of the same season.
-- Standings rows are published after a race, so a race's own row is never read; round 1 has none.
with

driver_races as (

    select * from {{ ref('ml_driver_races') }}

),

races as (

    select * from {{ ref('dim_races') }}

),

driver_standings as (

    select * from {{ ref('fct_driver_standings') }}

),

constructor_standings as (

    select * from {{ ref('fct_constructor_standings') }}

),

previous_rounds as (

    select
        race_id,
        lag(race_id) over (partition by race_year order by race_round) as previous_race_id

    from races

),

-- Points are compared with the leader's: the scoring system changed over the years, shares did not.
driver_leaders as (

    select
        race_id,
        max(cast(championship_points as double)) as leader_points

    from driver_standings
    group by 1

),

constructor_leaders as (

    select
        race_id,
        max(cast(championship_points as double)) as leader_points

    from constructor_standings
    group by 1

),

final as (

    select
        driver_races.driver_race_id,
        driver_standings.championship_position as driver_standing_before,
        constructor_standings.championship_position as constructor_standing_before,
        -- No standings row (round 1, or a driver's first race of the season): no points yet.
        coalesce(
            cast(driver_standings.championship_points as double) / nullif(driver_leaders.leader_points, 0), 0
        ) as driver_points_share_before,
        coalesce(
            cast(constructor_standings.championship_points as double) / nullif(constructor_leaders.leader_points, 0), 0
        ) as constructor_points_share_before

    from driver_races
    left join previous_rounds
        on driver_races.race_id = previous_rounds.race_id
    left join driver_standings
        on
            previous_rounds.previous_race_id = driver_standings.race_id
            and driver_races.driver_id = driver_standings.driver_id
    left join driver_leaders
        on previous_rounds.previous_race_id = driver_leaders.race_id
    left join constructor_standings
        on
            previous_rounds.previous_race_id = constructor_standings.race_id
            and driver_races.constructor_id = constructor_standings.constructor_id
    left join constructor_leaders
        on previous_rounds.previous_race_id = constructor_leaders.race_id

)

select * from final
