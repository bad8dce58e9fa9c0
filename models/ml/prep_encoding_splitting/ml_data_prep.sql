-- Features and label for the finishing-position model: one row per driver per race, every season, and
-- every upcoming race (entrants known, results not; label null). Every feature is known before the start:
-- the grid (or, for an upcoming race, the qualifying position) and qualifying of the weekend, the
-- championship after the previous round, and form over earlier races only. The race's own result feeds
-- the label.
with

driver_races as (

    select * from {{ ref('ml_driver_races') }}

),

qualifying as (

    select * from {{ ref('ml_features_qualifying') }}

),

standings as (

    select * from {{ ref('ml_features_standings') }}

),

form as (

    select * from {{ ref('ml_features_form') }}

),

final as (

    select
        driver_races.driver_race_id,
        driver_races.race_id,
        driver_races.driver_id,
        driver_races.race_year,
        driver_races.race_round,
        driver_races.race_date,
        driver_races.race_name,
        driver_races.circuit_name,
        driver_races.driver_ref,
        driver_races.driver_name,
        driver_races.constructor_team,
        driver_races.race_order,
        driver_races.race_status,
        driver_races.grid_source,
        driver_races.grid,
        cast(driver_races.grid_position as double) as grid_position,
        cast(case when driver_races.is_pit_lane_start then 1 else 0 end as double) as pit_lane_start,
        cast(qualifying.qualifying_position as double) as qualifying_position,
        cast(qualifying.qualifying_gap_to_pole_pct as double) as qualifying_gap_to_pole_pct,
        cast(qualifying.grid_penalty_places as double) as grid_penalty_places,
        cast(qualifying.teammate_grid_delta as double) as teammate_grid_delta,
        cast(qualifying.teammate_qualifying_gap_pct as double) as teammate_qualifying_gap_pct,
        cast(standings.driver_standing_before as double) as driver_standing_before,
        cast(standings.driver_points_share_before as double) as driver_points_share_before,
        cast(standings.constructor_standing_before as double) as constructor_standing_before,
        cast(standings.constructor_points_share_before as double) as constructor_points_share_before,
        cast(form.driver_finish_avg_5 as double) as driver_finish_avg_5,
        cast(form.driver_finish_avg_10 as double) as driver_finish_avg_10,
        cast(form.driver_top_ten_rate_10 as double) as driver_top_ten_rate_10,
        cast(form.driver_podium_rate_10 as double) as driver_podium_rate_10,
        cast(form.driver_confidence as double) as driver_confidence,
        cast(form.constructor_finish_avg_5 as double) as constructor_finish_avg_5,
        cast(form.constructor_finish_avg_10 as double) as constructor_finish_avg_10,
        cast(form.constructor_top_ten_rate_10 as double) as constructor_top_ten_rate_10,
        cast(form.constructor_podium_rate_10 as double) as constructor_podium_rate_10,
        cast(form.constructor_reliability as double) as constructor_reliability,
        driver_races.position,
        case when driver_races.race_status = 'run' then {{ finishing_class('driver_races.position') }} end
            as position_label,
        {{ finishing_class('driver_races.grid_position') }} as grid_baseline_label

    from driver_races
    left join qualifying
        on driver_races.driver_race_id = qualifying.driver_race_id
    left join standings
        on driver_races.driver_race_id = standings.driver_race_id
    left join form
        on driver_races.driver_race_id = form.driver_race_id

)

select * from final
