with

results as (

    select * from {{ ref('fct_results') }}

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

status as (

    select * from {{ ref('dim_status') }}

),

joined as (

    select
        results.result_id,
        results.race_id,
        races.race_year,
        races.race_round,
        races.race_date,
        races.race_name,
        races.circuit_id,
        races.circuit_name,
        results.driver_id,
        drivers.driver_ref,
        drivers.driver_name,
        drivers.date_of_birth as driver_dob,
        drivers.driver_nationality,
        results.constructor_id,
        constructors.constructor_ref,
        constructors.constructor_name,
        results.grid,
        results.position,
        results.position_text,
        results.position_order,
        results.points,
        results.laps,
        results.status_id,
        status.status

    from results
    left join races
        on results.race_id = races.race_id
    left join drivers
        on results.driver_id = drivers.driver_id
    left join constructors
        on results.constructor_id = constructors.constructor_id
    left join status
        on results.status_id = status.status_id

),

final as (

    select
        *,
        {{ age_in_years('driver_dob', 'race_date') }} as driver_age_years,
        -- not classified (retired, disqualified, excluded, withdrawn, not started): no position.
        -- A driver who retires late but covered 90% of the distance is classified: not a DNF.
        position is null as is_dnf

    from joined

)

select * from final
