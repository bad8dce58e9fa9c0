-- Reliability of the published probabilities over the backtest's out-of-sample predictions: for each
-- class, rows binned by predicted probability (tenths), the mean predicted probability against the share
-- of rows that really ended in that class. Calibrated probabilities lie near the diagonal.
with

predictions as (
    select * from {{ ref('ml_backtest_predictions') }}
),

by_class as (
    select
        1 as predicted_label,
        'podium' as class_name,
        prob_podium as predicted_probability,
        case when position_label = 1 then 1.0 else 0.0 end as observed
    from predictions
    union all
    select
        2 as predicted_label,
        'points' as class_name,
        prob_points as predicted_probability,
        case when position_label = 2 then 1.0 else 0.0 end as observed
    from predictions
    union all
    select
        3 as predicted_label,
        'no points' as class_name,
        prob_no_points as predicted_probability,
        case when position_label = 3 then 1.0 else 0.0 end as observed
    from predictions
),

binned as (
    select
        *,
        least(cast(floor(predicted_probability * 10) as integer), 9) as probability_bin
    from by_class
)

select
    predicted_label,
    class_name,
    probability_bin,
    probability_bin / 10.0 as bin_lower,
    (probability_bin + 1) / 10.0 as bin_upper,
    count(*) as rows_in_bin,
    avg(predicted_probability) as mean_predicted_probability,
    avg(observed) as observed_rate
from binned
group by 1, 2, 3
