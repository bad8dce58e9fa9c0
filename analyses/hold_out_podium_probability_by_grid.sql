-- How the model's podium probability and its hit rate vary with the grid slot in the hold-out season.
-- `dbt compile --select hold_out_podium_probability_by_grid` writes the SQL to target/compiled; run it
-- with scripts/query or any client.
select
    grid_position,
    count(*) as driver_races,
    avg(prob_podium) as mean_prob_podium,
    avg(case when position_label = 1 then 1.0 else 0.0 end) as actual_podium_rate,
    avg(case when predicted_position_label = 1 then 1.0 else 0.0 end) as predicted_podium_rate
from {{ ref('apply_prediction_to_position') }}
group by 1
order by 1
