{#-
    record_build_stamp(): an on-run-end hook (dbt_project.yml) that replaces the one-row table
    dbt_build_stamp in the target schema with the dbt command that just built there: its invocation id, the
    command, when it finished (UTC, ISO 8601) and how many nodes failed. It runs after every build, run,
    seed or snapshot, even when nodes failed, so a reader such as the results app (app/queries.py) knows
    that the data changed, or that a refused prediction emptied a table, and reads again. Not a model: a
    model would not run after a failure upstream of it.
-#}
{% macro record_build_stamp() -%}
    {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
        {%- set stamp = api.Relation.create(
            database=target.database, schema=target.schema, identifier='dbt_build_stamp'
        ) -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail']) | list | length -%}
        {%- set finished_at = modules.datetime.datetime.now(modules.pytz.utc).isoformat(timespec='seconds') -%}
        create or replace table {{ stamp }} as
        select
            '{{ invocation_id }}' as invocation_id,
            '{{ flags.WHICH }}' as command,
            '{{ finished_at }}' as finished_at,
            {{ failed }} as failed_nodes
    {%- endif -%}
{%- endmacro %}
