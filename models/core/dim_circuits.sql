with

circuits as (

    select * from {{ ref('stg_circuits') }}

),

final as (

    select
        circuit_id,
        circuit_ref,
        circuit_name,
        circuit_location,
        circuit_country,
        circuit_latitude,
        circuit_longitude,
        circuit_altitude_meters,
        circuit_url

    from circuits

)

select * from final
