-- One row per driver per race, in the order races were run: the spine every ML feature hangs on.
-- It holds what is known before the start (grid, team) and the race's outcome; features built on it
-- read outcomes of earlier races only, and labels read the race's own outcome.
with

results as (

    select * from {{ ref('mrt_results') }}

),

lineage as (

    select * from {{ ref('constructor_lineage') }}

),

-- Drivers who shared a car in the 1950s have several results in one race: keep their best.
ranked_results as (

    select
        *,
        row_number() over (
            partition by race_id, driver_id
            order by position_order, result_id
        ) as result_rank

    from results

),

entries as (

    select
        ranked_results.*,
        -- Renamed teams (Force India -> Racing Point -> Aston Martin...) are one team to the model.
        coalesce(lineage.team_lineage, ranked_results.constructor_name) as constructor_team,
        count(*) over (partition by ranked_results.race_id) as field_size

    from ranked_results
    left join lineage
        on ranked_results.constructor_ref = lineage.constructor_ref
    where ranked_results.result_rank = 1

),

final as (

    select
        race_id,
        race_year,
        race_round,
        race_date,
        race_name,
        circuit_name,
        driver_id,
        driver_ref,
        driver_name,
        constructor_id,
        constructor_team,
        grid,
        position,
        position_order,
        is_dnf,
        cast(race_id as varchar) || '-' || cast(driver_id as varchar) as driver_race_id,
        dense_rank() over (order by race_date, race_id) as race_order,
        -- A pit-lane start (grid 0 or unknown) counts as the last slot: the size of the field.
        case when grid > 0 then grid else field_size end as grid_position,
        coalesce(grid, 0) <= 0 as is_pit_lane_start,
        -- The outcome as 0/1 numbers, for the form features' averages over earlier races.
        case when position between 1 and 3 then 1.0 else 0.0 end as podium_finish,
        case when position between 1 and 10 then 1.0 else 0.0 end as top_ten_finish,
        case when is_dnf then 1.0 else 0.0 end as did_not_finish

    from entries

)

select * from final
