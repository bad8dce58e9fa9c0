with

source as (

    select * from {{ source('formula1', 'status') }}

),

renamed as (

    select
        cast(status_id as integer) as status_id,
        {{ clean_string('status') }} as status

    from source

)

select * from renamed
