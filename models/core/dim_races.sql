with

races as (

    select * from {{ ref('stg_races') }}

),

circuits as (

    select * from {{ ref('stg_circuits') }}

),

final as (

    select
        races.race_id,
        races.race_year,
        races.race_round,
        races.race_date,
        races.race_time_utc,
        races.race_name,
        races.circuit_id,
        circuits.circuit_name,
        circuits.circuit_country,
        races.is_sprint_weekend,
        races.fp1_date,
        races.fp1_time_utc,
        races.fp2_date,
        races.fp2_time_utc,
        races.fp3_date,
        races.fp3_time_utc,
        races.quali_date,
        races.quali_time_utc,
        races.sprint_date,
        races.sprint_time_utc,
        races.race_url

    from races
    left join circuits
        on races.circuit_id = circuits.circuit_id

)

select * from final
