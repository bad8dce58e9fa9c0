-- A warning, not an error: prediction trusts the ledger's copy of the metadata, so a missing, unreadable
-- or altered metadata.json of the serving version in the store changes nothing served; it is reported here
-- (and in the registry's store_metadata_check) so that somebody restores or investigates it.
{{ config(severity='warn') }}

select
    model_version,
    store_metadata_check
from {{ ref('ml_model_registry') }}
where is_serving and store_metadata_check != 'ok'
