with

source as (

    select * from {{ source('formula1', 'circuits') }}

),

renamed as (

    select
        cast(circuit_id as integer) as circuit_id,
        {{ clean_string('circuit_ref') }} as circuit_ref,
        {{ clean_string('name') }} as circuit_name,
        {{ clean_string('location') }} as circuit_location,
        {{ clean_string('country') }} as circuit_country,
        cast(lat as double) as circuit_latitude,
        cast(lng as double) as circuit_longitude,
        cast(alt as integer) as circuit_altitude_meters,
        {{ clean_string('url') }} as circuit_url

    from source

)

select * from renamed
