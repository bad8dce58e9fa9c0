-- Hold-out metrics, the model against the grid baseline on the same rows: computed in the engine
-- from the confusion matrix, with the definitions scikit-learn uses (labels 1, 2, 3):
--   recall(c) = tp / actual(c); balanced accuracy = mean recall over labels that occur;
--   f1(c) = 2 tp / (actual(c) + predicted(c)), 0 when both are 0; macro F1 = mean f1 over 1, 2, 3.
-- The model's probabilities are scored too (the grid rule has none): log loss = mean of -ln P(actual
-- class), Brier score = mean over rows of the squared errors summed over the three classes.
with

predictions as (
    select * from {{ ref('apply_prediction_to_position') }}
),

probability_scores as (
    select
        'model' as predictor,
        avg(-ln(
            case position_label when 1 then prob_podium when 2 then prob_points else prob_no_points end
        )) as log_loss,
        avg(
            power(prob_podium - case when position_label = 1 then 1 else 0 end, 2)
            + power(prob_points - case when position_label = 2 then 1 else 0 end, 2)
            + power(prob_no_points - case when position_label = 3 then 1 else 0 end, 2)
        ) as brier_score
    from predictions
),

cells as (
    select * from {{ ref('ml_hold_out_confusion_matrix') }}
),

per_label as (
    select
        model_version,
        predictor,
        actual_label as label,
        sum(case when actual_label = predicted_label then row_count else 0 end) as true_positives,
        sum(row_count) as actual_count
    from cells
    group by 1, 2, 3
),

predicted_per_label as (
    select
        predictor,
        predicted_label as label,
        sum(row_count) as predicted_count
    from cells
    group by 1, 2
),

scores as (
    select
        per_label.model_version,
        per_label.predictor,
        per_label.label,
        per_label.true_positives,
        per_label.actual_count,
        case when per_label.actual_count > 0
                then per_label.true_positives * 1.0 / per_label.actual_count
        end as recall,
        case when per_label.actual_count + predicted_per_label.predicted_count > 0
                then 2.0 * per_label.true_positives / (per_label.actual_count + predicted_per_label.predicted_count)
            else 0
        end as f1
    from per_label
    inner join predicted_per_label
        on per_label.predictor = predicted_per_label.predictor and per_label.label = predicted_per_label.label
),

classification_scores as (
    select
        model_version,
        predictor,
        sum(actual_count) as row_count,
        avg(recall) as balanced_accuracy,
        avg(f1) as macro_f1,
        sum(true_positives) * 1.0 / sum(actual_count) as accuracy,
        max(case when label = 1 then recall end) as recall_podium,
        max(case when label = 2 then recall end) as recall_points,
        max(case when label = 3 then recall end) as recall_no_points
    from scores
    group by 1, 2
)

select
    classification_scores.*,
    probability_scores.log_loss,
    probability_scores.brier_score
from classification_scores
left join probability_scores
    on classification_scores.predictor = probability_scores.predictor
