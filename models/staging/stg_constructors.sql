with

source as (

    select * from {{ source('formula1', 'constructors') }}

),

renamed as (

    select
        cast(constructor_id as integer) as constructor_id,
        {{ clean_string('constructor_ref') }} as constructor_ref,
        {{ clean_string('name') }} as constructor_name,
        {{ clean_string('nationality') }} as constructor_nationality,
        {{ clean_string('url') }} as constructor_url

    from source

)

select * from renamed
