with

constructor_results as (

    select * from {{ ref('stg_constructor_results') }}

),

final as (

    select
        constructor_result_id,
        race_id,
        constructor_id,
        points,
        constructor_result_status,
        is_disqualified

    from constructor_results

)

select * from final
