{{
    config(
        materialized='incremental',
        unique_key='result_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    Incremental runs reload every result whose race is at most `results_lookback_days` older than
    the newest race already loaded (late corrections to recent races, a race added out of id order)
    plus every result not loaded yet, whatever its date. delete+insert on result_id replaces the
    reloaded rows, so an incremental run gives the same table as a full refresh. Corrections to
    older races or rows deleted upstream need --full-refresh.
-#}
{%- set lookback_days = var('results_lookback_days', 30) | int -%}

with

results as (

    select * from {{ ref('stg_results') }}

),

races as (

    select * from {{ ref('stg_races') }}

),

results_with_race_date as (

    select
        results.result_id,
        results.race_id,
        races.race_date,
        results.driver_id,
        results.constructor_id,
        results.status_id,
        results.car_number,
        results.grid,
        results.position,
        results.position_text,
        results.position_order,
        results.points,
        results.laps,
        results.race_time_or_gap,
        results.race_time_milliseconds,
        results.fastest_lap,
        results.fastest_lap_rank,
        results.fastest_lap_time_formatted,
        results.fastest_lap_time_milliseconds,
        results.fastest_lap_speed_kph

    from results
    left join races
        on results.race_id = races.race_id

),

final as (

    select results_with_race_date.*
    from results_with_race_date

    {% if is_incremental() %}
        where
            results_with_race_date.race_date >= (
                select {{ dbt.dateadd('day', -lookback_days, 'max(loaded.race_date)') }} as reload_from_date
                from {{ this }} as loaded
            )
            or not exists (
                select 1 as is_loaded
                from {{ this }} as loaded
                where loaded.result_id = results_with_race_date.result_id
            )
    {% endif %}

)

select * from final
