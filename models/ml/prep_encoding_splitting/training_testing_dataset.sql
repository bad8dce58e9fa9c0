-- The rows the model is fitted (`train`) and validated (`validation`) on: the seasons before the hold-out
-- season. A view, so it can never be out of step with the features it selects from.
select * from {{ ref('covariate_encoding') }}  -- noqa: AM04
where dataset_split in ('train', 'validation')
