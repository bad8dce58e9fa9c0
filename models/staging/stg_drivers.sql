with

source as (

    select * from {{ source('formula1', 'drivers') }}

),

renamed as (

    select
        cast(driver_id as integer) as driver_id,
        {{ clean_string('driver_ref') }} as driver_ref,
        {{ try_cast(clean_string('number'), 'integer') }} as driver_number,
        {{ clean_string('code') }} as driver_code,
        {{ clean_string('forename') }} as forename,
        {{ clean_string('surname') }} as surname,
        cast(dob as date) as date_of_birth,
        {{ clean_string('nationality') }} as driver_nationality,
        {{ clean_string('url') }} as driver_url

    from source

),

named as (

    select
        *,
        {{ dbt.concat(['forename', "' '", 'surname']) }} as driver_name

    from renamed

)

select * from named
