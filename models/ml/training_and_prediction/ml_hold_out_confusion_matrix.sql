-- Hold-out confusion matrix for the model and for the grid baseline over the hold-out season's run races
-- (upcoming races have no result yet), one row per cell (zeros included).
with

predictions as (
    select
        model_version,
        position_label as actual_label,
        predicted_position_label as model_label,
        grid_baseline_label
    from {{ ref('apply_prediction_to_position') }}
    where race_status = 'run'
),

by_predictor as (
    select
        model_version,
        'model' as predictor,
        actual_label,
        model_label as predicted_label
    from predictions
    union all
    select
        model_version,
        'grid_baseline' as predictor,
        actual_label,
        grid_baseline_label as predicted_label
    from predictions
),

labels as (
    select 1 as label
    union all
    select 2 as label
    union all
    select 3 as label
),

cells as (
    select distinct
        by_predictor.model_version,
        by_predictor.predictor,
        actual.label as actual_label,
        predicted.label as predicted_label
    from by_predictor
    cross join labels as actual
    cross join labels as predicted
)

select
    cells.model_version,
    cells.predictor,
    cells.actual_label,
    cells.predicted_label,
    count(by_predictor.actual_label) as row_count
from cells
left join by_predictor
    on
        cells.predictor = by_predictor.predictor
        and cells.actual_label = by_predictor.actual_label
        and cells.predicted_label = by_predictor.predicted_label
group by 1, 2, 3, 4
