with

qualifying as (

    select * from {{ ref('stg_qualifying') }}

),

final as (

    select
        qualifying_id,
        race_id,
        driver_id,
        constructor_id,
        car_number,
        qualifying_position,
        q1_time_formatted,
        q1_milliseconds,
        q2_time_formatted,
        q2_milliseconds,
        q3_time_formatted,
        q3_milliseconds

    from qualifying

)

select * from final
