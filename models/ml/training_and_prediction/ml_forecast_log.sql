-- The forecast log: every forecast of an upcoming race, appended as it was made and never rewritten (no
-- run and no --full-refresh replaces it). A race's forecast is logged once per forecast key, which
-- changes whenever any of its entrants' forecasts does (new data, a new version), so a job run twice on
-- the same data logs nothing new. ml_track_record scores the log once the results are in.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
    )
}}

with

forecasts as (

    select * from {{ ref('apply_prediction_to_position') }}
    where race_status = 'upcoming'

),

new_forecasts as (

    select * from forecasts
    {% if is_incremental() %}
        where not exists (
                select 1 as is_logged
                from {{ this }} as logged
                where logged.forecast_key = forecasts.forecast_key
            )
    {% endif %}

),

final as (

    select
        forecast_key || '-' || cast(driver_id as varchar) as forecast_id,
        forecast_key,
        predicted_at as forecast_made_at,
        '{{ invocation_id }}' as dbt_invocation_id,
        race_id,
        race_year,
        race_round,
        race_date,
        race_name,
        circuit_name,
        driver_id,
        driver_ref,
        driver_name,
        constructor_team,
        grid_source,
        grid_position,
        data_through_race_id,
        data_through_race_date,
        model_version,
        is_promoted,
        prob_podium,
        prob_points,
        prob_no_points,
        uncoupled_prob_podium,
        uncoupled_prob_points,
        uncoupled_prob_no_points,
        frequency_prob_podium,
        frequency_prob_points,
        frequency_prob_no_points,
        is_coupled,
        predicted_position_label,
        grid_baseline_label

    from new_forecasts

)

select * from final
