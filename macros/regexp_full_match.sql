{#-
    regexp_full_match(expression, pattern): true when the whole string matches the pattern.

    pattern is a Python/Jinja string holding a POSIX extended regular expression without
    backslashes (write [.] rather than \.), so it means the same in every engine's literal syntax.
-#}
{% macro regexp_full_match(expression, pattern) -%}
    {%- if '\\' in pattern -%}
        {{ exceptions.raise_compiler_error(
            "regexp_full_match: avoid backslashes in patterns (use character classes): " ~ pattern
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('regexp_full_match', 'formula1_ml')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro snowflake__regexp_full_match(expression, pattern) -%}
    {#- Snowflake's regexp_like is anchored at both ends already. -#}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^({{ pattern }})$')
{%- endmacro %}
