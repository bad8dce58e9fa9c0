-- Same-weekend features, all set before the start: qualifying, grid penalties and the gap to the
-- teammate. Nothing here reads a race result.
with

driver_races as (

    select * from {{ ref('ml_driver_races') }}

),

qualifying as (

    select * from {{ ref('fct_qualifying') }}

),

-- A driver's best lap of Q1, Q2 and Q3 (only Q1 before 2006). least() returns null on a null argument
-- on some engines (Snowflake) and skips it on others (DuckDB), so nulls are filled from the other laps.
best_laps as (

    select
        race_id,
        driver_id,
        min(qualifying_position) as qualifying_position,
        min(least(
            coalesce(q1_milliseconds, q2_milliseconds, q3_milliseconds),
            coalesce(q2_milliseconds, q3_milliseconds, q1_milliseconds),
            coalesce(q3_milliseconds, q1_milliseconds, q2_milliseconds)
        )) as best_lap_milliseconds

    from qualifying
    group by 1, 2

),

gaps as (

    select
        race_id,
        driver_id,
        qualifying_position,
        100.0 * (
            best_lap_milliseconds / min(best_lap_milliseconds) over (partition by race_id) - 1
        ) as qualifying_gap_to_pole_pct

    from best_laps

),

entries as (

    select
        driver_races.driver_race_id,
        driver_races.race_id,
        driver_races.constructor_id,
        driver_races.grid_position,
        gaps.qualifying_position,
        gaps.qualifying_gap_to_pole_pct

    from driver_races
    left join gaps
        on
            driver_races.race_id = gaps.race_id
            and driver_races.driver_id = gaps.driver_id

),

-- Team totals per race, to compare each driver with the mean of the team's other cars.
teams as (

    select
        *,
        count(*) over (partition by race_id, constructor_id) as team_cars,
        sum(grid_position) over (partition by race_id, constructor_id) as team_grid_sum,
        count(qualifying_gap_to_pole_pct) over (partition by race_id, constructor_id) as team_gaps,
        sum(qualifying_gap_to_pole_pct) over (partition by race_id, constructor_id) as team_gap_sum

    from entries

),

final as (

    select
        driver_race_id,
        qualifying_position,
        qualifying_gap_to_pole_pct,
        -- Places lost (positive) or gained between qualifying and the grid: penalties, others' penalties.
        grid_position - qualifying_position as grid_penalty_places,
        case
            when team_cars > 1
                then grid_position - (team_grid_sum - grid_position) / (team_cars - 1.0)
        end as teammate_grid_delta,
        case
            when team_gaps > 1 and qualifying_gap_to_pole_pct is not null
                then qualifying_gap_to_pole_pct - (team_gap_sum - qualifying_gap_to_pole_pct) / (team_gaps - 1.0)
        end as teammate_qualifying_gap_pct

    from teams

)

select * from final
