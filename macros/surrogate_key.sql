{#-
    surrogate_key(columns): an md5 hash over the given columns, null-safe.

    Same semantics (and the same hash values) as dbt_utils.generate_surrogate_key, which this
    project cannot install: every column is cast to a string, nulls become a fixed placeholder
    (so ('a', null) and (null, 'a') differ), and the parts are joined with '-' before hashing.
    Built only on dbt's cross-database macros, so it runs on every adapter dbt supports.

        {{ surrogate_key(['race_id', 'driver_id', 'lap']) }}
-#}
{% macro surrogate_key(columns) -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "surrogate_key expects a non-empty list of column names, got: " ~ columns
        ) }}
    {%- endif -%}
    {%- set null_placeholder = "'_dbt_utils_surrogate_key_null_'" -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(" ~ dbt.cast(column, dbt.type_string()) ~ ", " ~ null_placeholder ~ ")"
        ) -%}
        {%- if not loop.last -%}
            {%- do parts.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
