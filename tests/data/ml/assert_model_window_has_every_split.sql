-- The model's window has rows to train on, a season to validate on and a hold-out season to predict:
-- a hold_out_season the data does not have, or too few seasons before it, fails here, by name.
with

splits as (
    select distinct dataset_split from {{ ref('covariate_encoding') }}
),

expected as (
    select 'train' as dataset_split
    union all
    select 'validation' as dataset_split
    union all
    select 'hold_out' as dataset_split
)

select
    expected.dataset_split as missing_split,
    {{ var('hold_out_season') or 'null' }} as hold_out_season_var,
    {{ var('training_seasons') }} as training_seasons_var
from expected
left join splits on expected.dataset_split = splits.dataset_split
where splits.dataset_split is null
