-- Each prediction's three class probabilities sum to 1 and each lies in [0, 1].
select
    driver_race_id,
    prob_podium,
    prob_points,
    prob_no_points
from {{ ref('apply_prediction_to_position') }}
where
    abs(prob_podium + prob_points + prob_no_points - 1) > 1e-6
    or least(prob_podium, prob_points, prob_no_points) < 0
    or greatest(prob_podium, prob_points, prob_no_points) > 1
