-- A warning, not an error: when no version passed the promotion gate, prediction serves the newest one
-- and marks its rows is_promoted = false. Set var require_promoted_model: true to make that an error.
{{ config(severity='warn') }}

select
    model_version,
    promotion_reason
from {{ ref('ml_model_registry') }}
where is_serving and not is_promoted
