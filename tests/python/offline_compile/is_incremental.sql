{#-
    Test-only override of dbt's is_incremental(), added to a copy of the project (tests/python/project_copy.py)
    for `dbt compile --target snowflake` with no account: dbt's own is_incremental() looks the table up in the
    warehouse. Compiled as a first run (false), which is what dbt-snowflake's offline procedure bodies need.
-#}
{% macro is_incremental() %}
    {{ return(false) }}
{% endmacro %}
