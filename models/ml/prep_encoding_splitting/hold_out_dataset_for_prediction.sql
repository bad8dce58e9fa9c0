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

data_through as (

    select distinct
        race_id as data_through_race_id,
        race_date as data_through_race_date

    from prep
    where race_order = (select max(run.race_order) as latest from prep as run where run.race_status = 'run')

)

select
    rows_to_predict.*,
    data_through.data_through_race_id,
    data_through.data_through_race_date

from rows_to_predict
cross join data_through
