{#-
    try_cast(expression, type): cast that yields null instead of failing on bad input.

    dbt.safe_cast falls back to a plain cast on adapters that do not override it (dbt-duckdb is
    one of them), which aborts the query on the first bad value, so the DuckDB variant is ours.
    Snowflake's try_cast only accepts string input: pass a string expression.
-#}
{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast', 'formula1_ml')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    {{ dbt.safe_cast(expression, type) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
