{#-
    Project override of dbt's is_incremental().

    With --vars '{offline_compile: true}' it returns false without touching the warehouse, so
    models (Python models included) compile on a machine with no connection. Otherwise it defers
    to dbt's own implementation in the global project.
-#}
{% macro is_incremental() %}
    {%- if var('offline_compile', false) -%}
        {{ return(false) }}
    {%- else -%}
        {{ return(dbt.is_incremental()) }}
    {%- endif -%}
{% endmacro %}
