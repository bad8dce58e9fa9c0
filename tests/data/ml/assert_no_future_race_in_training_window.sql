-- Training and validation rows come only from seasons before the hold-out season, and validation is
-- the last of them: the model never learns from races after the ones it is judged on. An upcoming race
-- (no result yet) is only ever forecast.
with

window_rows as (
    select * from {{ ref('covariate_encoding') }}
)

select
    dataset_split,
    race_year,
    hold_out_season
from window_rows
where
    (dataset_split = 'train' and race_year >= hold_out_season - 1)
    or (dataset_split = 'validation' and race_year != hold_out_season - 1)
    or (dataset_split = 'hold_out' and race_year != hold_out_season)
    or (dataset_split in ('train', 'validation', 'hold_out') and race_status != 'run')
    or (dataset_split = 'upcoming' and race_status != 'upcoming')
