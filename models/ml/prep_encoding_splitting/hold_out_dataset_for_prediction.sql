-- The hold-out season's rows, scored by apply_prediction_to_position. A view over the current features.
select * from {{ ref('covariate_encoding') }}  -- noqa: AM04
where dataset_split = 'hold_out'
