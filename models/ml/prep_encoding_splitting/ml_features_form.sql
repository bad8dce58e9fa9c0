-- Recent form and reliability of the driver and of the team, over their previous races only:
-- every window ends one race before the row's own (`rows between N preceding and 1 preceding`).
with

driver_races as (

    select * from {{ ref('ml_driver_races') }}

),

-- A team's cars in one race count together, as one race of the team; renamed teams are one lineage.
team_races as (

    select
        constructor_team,
        race_order,
        avg(position_order) as mean_finish,
        avg(top_ten_finish) as top_ten_rate,
        avg(podium_finish) as podium_rate,
        avg(did_not_finish) as dnf_rate

    from driver_races
    group by 1, 2

),

team_form as (

    select
        constructor_team,
        race_order,
        avg(mean_finish) over {{ previous_races('constructor_team', 5) }} as constructor_finish_avg_5,
        avg(mean_finish) over {{ previous_races('constructor_team', 10) }} as constructor_finish_avg_10,
        avg(top_ten_rate) over {{ previous_races('constructor_team', 10) }} as constructor_top_ten_rate_10,
        avg(podium_rate) over {{ previous_races('constructor_team', 10) }} as constructor_podium_rate_10,
        1 - avg(dnf_rate) over {{ previous_races('constructor_team', var('history_races')) }} as constructor_reliability

    from team_races

),

driver_form as (

    select
        driver_race_id,
        constructor_team,
        race_order,
        avg(position_order) over {{ previous_races('driver_id', 5) }} as driver_finish_avg_5,
        avg(position_order) over {{ previous_races('driver_id', 10) }} as driver_finish_avg_10,
        avg(top_ten_finish) over {{ previous_races('driver_id', 10) }} as driver_top_ten_rate_10,
        avg(podium_finish) over {{ previous_races('driver_id', 10) }} as driver_podium_rate_10,
        1 - avg(did_not_finish) over {{ previous_races('driver_id', var('history_races')) }} as driver_confidence

    from driver_races

),

final as (

    select
        driver_form.driver_race_id,
        driver_form.driver_finish_avg_5,
        driver_form.driver_finish_avg_10,
        driver_form.driver_top_ten_rate_10,
        driver_form.driver_podium_rate_10,
        driver_form.driver_confidence,
        team_form.constructor_finish_avg_5,
        team_form.constructor_finish_avg_10,
        team_form.constructor_top_ten_rate_10,
        team_form.constructor_podium_rate_10,
        team_form.constructor_reliability

    from driver_form
    inner join team_form
        on
            driver_form.constructor_team = team_form.constructor_team
            and driver_form.race_order = team_form.race_order

)

select * from final
