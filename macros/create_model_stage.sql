{#-
    create_model_stage(stage_name=none): SQL that creates the stage holding trained model artifacts, for a
    pre-hook of the training model (and of the prediction model, so a predict-only run on a fresh schema
    fails with "no registered model" rather than "stage does not exist"):

        {{ config(pre_hook="{{ create_model_stage() }}") }}      -- SQL model
        config: {pre_hook: "{{ create_model_stage() }}"}         -- yml, for a Python model

    Snowflake: `create stage if not exists` an internal stage named var('model_stage') in the model's own
    database and schema (or exactly where the var says, if it is qualified: db.schema.stage). Never
    `create or replace`: replacing a stage deletes every file in it, i.e. every earlier model version.
    Other engines (DuckDB): nothing; artifacts live in the directory var('model_registry_dir'), and an empty
    hook is skipped by dbt.
-#}
{% macro create_model_stage(stage_name=none) -%}
    {{ return(adapter.dispatch('create_model_stage', 'formula1_ml')(stage_name)) }}
{%- endmacro %}

{% macro default__create_model_stage(stage_name=none) -%}
{%- endmacro %}

{% macro snowflake__create_model_stage(stage_name=none) -%}
    {%- set name = (stage_name or var('model_stage')) | trim -%}
    {%- if '.' in name -%}
        {%- set qualified = name -%}
    {%- elif this -%}
        {%- set qualified = this.database ~ '.' ~ this.schema ~ '.' ~ name -%}
    {%- else -%}
        {%- set qualified = target.database ~ '.' ~ target.schema ~ '.' ~ name -%}
    {%- endif -%}
    create stage if not exists {{ qualified }}
        comment = 'formula1_ml model artifacts: one folder per version, never overwritten'
{%- endmacro %}
