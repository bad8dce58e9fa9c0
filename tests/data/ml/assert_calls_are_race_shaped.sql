-- Calls shaped like a race: exactly 3 podium and 7 points calls in every race with at least 10 entrants,
-- and never more than that in a smaller one: for the serving forecasts, the backtest's and the log's.
with

calls as (
    select
        'apply_prediction_to_position' as forecast_table,
        race_id,
        predicted_position_label
    from {{ ref('apply_prediction_to_position') }}
    union all
    select
        'ml_backtest_predictions' as forecast_table,
        race_id,
        predicted_position_label
    from {{ ref('ml_backtest_predictions') }}
    union all
    select
        'ml_forecast_log ' || forecast_key as forecast_table,
        race_id,
        predicted_position_label
    from {{ ref('ml_forecast_log') }}
),

races as (
    select
        forecast_table,
        race_id,
        count(*) as entrants,
        sum(case when predicted_position_label = 1 then 1 else 0 end) as podium_calls,
        sum(case when predicted_position_label = 2 then 1 else 0 end) as points_calls
    from calls
    group by 1, 2
)

select *
from races
where
    (entrants >= 10 and (podium_calls != 3 or points_calls != 7))
    or podium_calls > 3
    or points_calls > 7
