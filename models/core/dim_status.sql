with

status as (

    select * from {{ ref('stg_status') }}

),

final as (

    select
        status_id,
        status

    from status

)

select * from final
