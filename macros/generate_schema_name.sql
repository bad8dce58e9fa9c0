{#-
    Where each model is built. One rule for every engine:

    | target            | no custom schema       | custom schema `x` (config schema='x')   |
    |-------------------|------------------------|-----------------------------------------|
    | prod              | `production`           | `x`, as written                         |
    |                   | (the target's schema)  |                                         |
    | any other target  | target.schema          | target.schema ~ '_' ~ x                 |
    | (duckdb,          | (personal dev schema,  | (e.g. dbt_jdoe_ml: stays inside the     |
    |  snowflake, ...)  |  e.g. dbt_jdoe / main) |  developer's own namespace)             |

    So development never writes outside the personal schema's prefix, and the prod target writes to the
    schemas the reporter role is granted (setup/02_roles_and_grants.sql grants `production`; a model with
    a custom schema in prod needs its own grant). A target counts as prod when its name is `prod`: name the
    dbt Cloud deployment environment's target `prod` too (Deploy > Environments > Target name).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none or custom_schema_name | trim == '' -%}
        {{ default_schema }}
    {%- elif target.name == 'prod' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
