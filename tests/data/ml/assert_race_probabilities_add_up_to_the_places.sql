-- Each driver's three probabilities add up to 1, and each coupled race's chances of a podium add up to its
-- 3 podium places and its chances of points to its 7 points places: for the serving forecasts, the
-- backtest's and the forecast log's.
{%- set tolerance = 1e-6 %}
with

forecasts as (
    select
        'apply_prediction_to_position' as forecast_table,
        race_id,
        prob_podium,
        prob_points,
        prob_no_points,
        is_coupled
    from {{ ref('apply_prediction_to_position') }}
    union all
    select
        'ml_backtest_predictions' as forecast_table,
        race_id,
        prob_podium,
        prob_points,
        prob_no_points,
        is_coupled
    from {{ ref('ml_backtest_predictions') }}
    union all
    select
        'ml_forecast_log ' || forecast_key as forecast_table,
        race_id,
        prob_podium,
        prob_points,
        prob_no_points,
        is_coupled
    from {{ ref('ml_forecast_log') }}
),

drivers as (
    select
        forecast_table,
        race_id,
        'a driver''s probabilities sum to ' || cast(prob_podium + prob_points + prob_no_points as varchar) as problem
    from forecasts
    where
        abs(prob_podium + prob_points + prob_no_points - 1) > {{ tolerance }}
        or least(prob_podium, prob_points, prob_no_points) < 0
        or greatest(prob_podium, prob_points, prob_no_points) > 1
),

races as (
    select
        forecast_table,
        race_id,
        count(*) as entrants,
        sum(prob_podium) as podium_places,
        sum(prob_points) as points_places
    from forecasts
    where is_coupled
    group by 1, 2
)

select * from drivers
union all
select
    forecast_table,
    race_id,
    'the race''s podium chances sum to ' || cast(podium_places as varchar) || ', its points chances to '
    || cast(points_places as varchar) || ' (' || cast(entrants as varchar) || ' entrants)' as problem
from races
where abs(podium_places - 3) > {{ tolerance }} or abs(points_places - 7) > {{ tolerance }}
