-- Sprint results only exist for race weekends that have a sprint date.
with

sprint_races as (

    select distinct race_id from {{ ref('fct_sprint_results') }}

),

races as (

    select
        race_id,
        is_sprint_weekend

    from {{ ref('dim_races') }}

),

not_sprint_weekends as (

    select sprint_races.race_id

    from sprint_races
    left join races
        on sprint_races.race_id = races.race_id
    where not coalesce(races.is_sprint_weekend, false)

)

select * from not_sprint_weekends
