with

results as (

    select * from {{ ref('mrt_results') }}

),

circuits as (

    select * from {{ ref('dim_circuits') }}

),

final as (

    select
        results.result_id,
        results.race_id,
        results.race_year,
        results.race_round,
        results.race_date,
        results.race_name,
        results.circuit_id,
        results.circuit_name,
        results.driver_id,
        results.driver_ref,
        results.driver_name,
        results.driver_dob,
        results.driver_nationality,
        results.constructor_id,
        results.constructor_ref,
        results.constructor_name,
        results.grid,
        results.position,
        results.position_text,
        results.position_order,
        results.points,
        results.laps,
        results.status_id,
        results.status,
        results.driver_age_years,
        results.is_dnf,
        circuits.circuit_ref,
        circuits.circuit_location,
        circuits.circuit_country,
        circuits.circuit_latitude,
        circuits.circuit_longitude,
        circuits.circuit_altitude_meters

    from results
    left join circuits
        on results.circuit_id = circuits.circuit_id

)

select * from final
