-- Sprint results only exist for race weekends whose published schedule has a sprint date. A race whose
-- file gives no session schedule at all (2020 files; the newest season of the 2025 export, whose races.csv
-- rows end before the session dates) cannot contradict them.
with

sprint_races as (

    select distinct race_id from {{ ref('fct_sprint_results') }}

),

races as (

    select
        race_id,
        sprint_date,
        coalesce(fp1_date, fp2_date, fp3_date, quali_date) is not null as has_published_schedule

    from {{ ref('dim_races') }}

),

not_sprint_weekends as (

    select sprint_races.race_id

    from sprint_races
    left join races
        on sprint_races.race_id = races.race_id
    where
        races.race_id is null
        or (races.sprint_date is null and races.has_published_schedule)

)

select * from not_sprint_weekends
