with

drivers as (

    select * from {{ ref('stg_drivers') }}

),

final as (

    select
        driver_id,
        driver_ref,
        driver_number,
        driver_code,
        forename,
        surname,
        driver_name,
        date_of_birth,
        driver_nationality,
        driver_url

    from drivers

)

select * from final
