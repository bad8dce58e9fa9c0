-- Exactly one prediction per hold-out row: no hold-out row without a prediction, no prediction
-- without a hold-out row, and no row predicted twice.
with

hold_out as (
    select driver_race_id from {{ ref('hold_out_dataset_for_prediction') }}
),

predictions as (
    select
        driver_race_id,
        count(*) as prediction_count
    from {{ ref('apply_prediction_to_position') }}
    group by 1
)

select
    coalesce(hold_out.driver_race_id, predictions.driver_race_id) as driver_race_id,
    coalesce(predictions.prediction_count, 0) as prediction_count
from hold_out
full outer join predictions on hold_out.driver_race_id = predictions.driver_race_id
where hold_out.driver_race_id is null or coalesce(predictions.prediction_count, 0) != 1
