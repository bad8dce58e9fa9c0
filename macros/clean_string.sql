{#-
    clean_string(column): trimmed text, with '' and the Ergast null marker \N turned into null.

    The raw loaders map \N to null already; this keeps staging correct when a table was loaded
    without that mapping (e.g. a plain COPY INTO on Snowflake).
-#}
{% macro clean_string(column) -%}
    nullif(nullif(trim({{ column }}), ''), {{ ergast_null_marker() }})
{%- endmacro %}

{#-
    ergast_null_marker(): the two-character string \N as a SQL literal.

    Snowflake reads a backslash in a single-quoted literal as an escape ('\N' is just 'N'), so
    the backslash is doubled there; DuckDB and standard SQL take it literally.
-#}
{% macro ergast_null_marker() -%}
    {{ return(adapter.dispatch('ergast_null_marker', 'formula1_ml')()) }}
{%- endmacro %}

{% macro default__ergast_null_marker() -%}
    '\N'
{%- endmacro %}

{% macro snowflake__ergast_null_marker() -%}
    '\\N'
{%- endmacro %}
