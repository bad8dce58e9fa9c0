with

races as (

    select * from {{ ref('stg_races') }}

),

circuits as (

    select * from {{ ref('stg_circuits') }}

),

-- A weekend with sprint results had a sprint, also when the file gives no session schedule for it (the
-- newest season of the 2025 export ends its races.csv rows before the session dates).
sprint_races as (

    select distinct race_id from {{ ref('stg_sprint_results') }}

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
        races.race_url,
        races.is_sprint_weekend or sprint_races.race_id is not null as is_sprint_weekend

    from races
    left join circuits
        on races.circuit_id = circuits.circuit_id
    left join sprint_races
        on races.race_id = sprint_races.race_id

)

select * from final
