-- Exactly one version serves, it is ready (in the ledger, artifact in the store), and the predictions
-- were made by it.
with

registry as (
    select * from {{ ref('ml_model_registry') }}
),

serving as (
    select
        model_version,
        status
    from registry
    where is_serving
),

predicted_by as (
    select distinct model_version from {{ ref('apply_prediction_to_position') }}
)

select 'serving versions: ' || cast(count(*) as varchar) as problem
from serving
having count(*) != 1
union all
select 'serving version ' || model_version || ' is ' || status as problem
from serving
where status != 'ready'
union all
select 'prediction by ' || model_version || ', which does not serve' as problem
from predicted_by
where model_version not in (select serving.model_version from serving)
