-- The registry flags exactly one version as the latest, and it is the highest version.
select count(*) as latest_versions
from {{ ref('ml_model_registry') }}
where is_latest
having count(*) != 1
