-- One row per driver per race, in the order races were run: the spine every ML feature hangs on.
-- A race with results is `run`: its entrants are its result rows. A race whose entrants are known
-- (qualifying rows loaded) but whose results are not is `upcoming`: its entrants are its qualifiers,
-- their qualifying position stands in for the grid (grid_source says which), and its outcome is null.
-- Features built on this spine read outcomes of earlier races only, so an upcoming race gets exactly
-- the features it will have once its results are in, the grid aside.
with

results as (

    select * from {{ ref('mrt_results') }}

),

qualifying as (

    select * from {{ ref('fct_qualifying') }}

),

races as (

    select * from {{ ref('dim_races') }}

),

drivers as (

    select * from {{ ref('dim_drivers') }}

),

constructors as (

    select * from {{ ref('dim_constructors') }}

),

lineage as (

    select * from {{ ref('constructor_lineage') }}

),

-- Drivers who shared a car in the 1950s have several results in one race: keep their best. The ranking reads
-- only the key columns, so the window sorts narrow rows instead of whole results (at 100x the data, the wide
-- window spilled to disk).
best_results as (

    select result_id
    from (
        select
            result_id,
            row_number() over (
                partition by race_id, driver_id
                order by position_order, result_id
            ) as result_rank

        from results
    ) as ranked
    where result_rank = 1

),

ranked_results as (

    select results.*
    from results
    inner join best_results
        on results.result_id = best_results.result_id

),

run_entries as (

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
        constructor_ref,
        constructor_name,
        'run' as race_status,
        'grid' as grid_source,
        grid,
        cast(null as integer) as qualifying_position,
        position,
        position_order,
        is_dnf

    from ranked_results

),

qualifiers as (

    select
        race_id,
        driver_id,
        min(constructor_id) as constructor_id,
        min(qualifying_position) as qualifying_position

    from qualifying
    where race_id not in (select run_entries.race_id from run_entries)
    group by 1, 2

),

upcoming_entries as (

    select
        qualifiers.race_id,
        races.race_year,
        races.race_round,
        races.race_date,
        races.race_name,
        races.circuit_name,
        qualifiers.driver_id,
        drivers.driver_ref,
        drivers.driver_name,
        qualifiers.constructor_id,
        constructors.constructor_ref,
        constructors.constructor_name,
        'upcoming' as race_status,
        'qualifying' as grid_source,
        cast(null as integer) as grid,
        qualifiers.qualifying_position,
        cast(null as integer) as position,
        cast(null as integer) as position_order,
        cast(null as boolean) as is_dnf

    from qualifiers
    inner join races
        on qualifiers.race_id = races.race_id
    left join drivers
        on qualifiers.driver_id = drivers.driver_id
    left join constructors
        on qualifiers.constructor_id = constructors.constructor_id

),

all_entries as (

    select * from run_entries
    union all
    select * from upcoming_entries

),

-- Per race, not per row: a window over every entry would sort whole rows.
race_fields as (

    select
        race_id,
        count(*) as field_size

    from all_entries
    group by 1

),

races_entered as (

    select distinct
        race_id,
        race_date

    from all_entries

),

race_orders as (

    select
        race_id,
        dense_rank() over (order by race_date, race_id) as race_order

    from races_entered

),

entries as (

    select
        all_entries.*,
        race_fields.field_size,
        race_orders.race_order,
        -- Renamed teams (Force India -> Racing Point -> Aston Martin...) are one team to the model.
        coalesce(lineage.team_lineage, all_entries.constructor_name) as constructor_team,
        cast(all_entries.race_id as varchar) || '-' || cast(all_entries.driver_id as varchar) as driver_race_id

    from all_entries
    inner join race_fields
        on all_entries.race_id = race_fields.race_id
    inner join race_orders
        on all_entries.race_id = race_orders.race_id
    left join lineage
        on all_entries.constructor_ref = lineage.constructor_ref

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
        race_status,
        grid_source,
        grid,
        position,
        position_order,
        is_dnf,
        driver_race_id,
        race_order,
        -- The slot the car starts from: the grid, or for an upcoming race the qualifying position. A
        -- pit-lane start (grid 0) or an unknown slot counts as the last one: the size of the field.
        case
            when grid > 0 then grid
            when qualifying_position > 0 then qualifying_position
            else field_size
        end as grid_position,
        grid_source = 'grid' and coalesce(grid, 0) <= 0 as is_pit_lane_start,
        -- The outcome as 0/1 numbers, for the form features' averages over earlier races; null when the
        -- race is upcoming, so no average ever counts it.
        case when race_status = 'run' then case when position between 1 and 3 then 1.0 else 0.0 end end
            as podium_finish,
        case when race_status = 'run' then case when position between 1 and 10 then 1.0 else 0.0 end end
            as top_ten_finish,
        case when race_status = 'run' then case when is_dnf then 1.0 else 0.0 end end as did_not_finish

    from entries

)

select * from final
