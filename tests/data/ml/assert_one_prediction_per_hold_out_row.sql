-- Exactly one prediction per hold-out row: same row count, and no hold-out row left without one.
with

hold_out as (
    select driver_race_id from {{ ref('hold_out_dataset_for_prediction') }}
),

predictions as (
    select driver_race_id from {{ ref('apply_prediction_to_position') }}
)

select hold_out.driver_race_id, 'hold-out row without a prediction' as problem
from hold_out
left join predictions on hold_out.driver_race_id = predictions.driver_race_id
where predictions.driver_race_id is null
union all
select 'all', 'row counts differ'
where (select count(*) from hold_out) != (select count(*) from predictions)
