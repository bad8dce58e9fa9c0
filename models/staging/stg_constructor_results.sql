with

source as (

    select * from {{ source('formula1', 'constructor_results') }}

),

renamed as (

    select
        cast(constructor_results_id as integer) as constructor_result_id,
        cast(race_id as integer) as race_id,
        cast(constructor_id as integer) as constructor_id,
        cast(points as decimal(10, 2)) as points,
        {{ clean_string('status') }} as constructor_result_status,
        coalesce({{ clean_string('status') }} = 'D', false) as is_disqualified

    from source

)

select * from renamed
