-- The model's window has rows to train on, a season to validate on, and rows to predict: the hold-out
-- season's run races, or (its first race not run yet) its upcoming ones. A hold_out_season the data does
-- not have, or too few seasons before it, fails here, by name.
with

splits as (
    select distinct case when dataset_split = 'upcoming' then 'hold_out' else dataset_split end as dataset_split
    from {{ ref('covariate_encoding') }}
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
