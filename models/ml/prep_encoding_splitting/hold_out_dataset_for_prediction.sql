-- The rows prediction scores: the hold-out season's run races (scored against their results) and every
-- upcoming race (forecast before it is run). A view over the current features, with the last race whose
-- results the features could use: what a forecast knew.
with

rows_to_predict as (

    select * from {{ ref('covariate_encoding') }}
    where dataset_split in ('hold_out', 'upcoming')

),

prep as (

    select * from {{ ref('ml_data_prep') }}

),

latest_result as (

    select max(race_order) as race_order
    from prep
    where race_status = 'run'

),

data_through as (

    select distinct
        prep.race_id as data_through_race_id,
        prep.race_date as data_through_race_date

    from prep
    inner join latest_result
        on prep.race_order = latest_result.race_order

)

select
    rows_to_predict.*,  -- noqa: AM04
    data_through.data_through_race_id,
    data_through.data_through_race_date

from rows_to_predict
cross join data_through
