with

constructors as (

    select * from {{ ref('stg_constructors') }}

),

final as (

    select
        constructor_id,
        constructor_ref,
        constructor_name,
        constructor_nationality,
        constructor_url

    from constructors

)

select * from final
