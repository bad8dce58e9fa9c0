{#-
    in_range: every non-null value of the column lies between min_value and max_value
    (both bounds inclusive, either may be omitted). Nulls pass: test them with not_null.
    row_condition restricts the rows checked (a SQL boolean expression over the model's columns);
    dbt's own `config: where:` works too.

        data_tests:
          - in_range:
              arguments:
                min_value: 1
                max_value: 100
                row_condition: "race_year >= 1996"
-#}
{% test in_range(model, column_name, min_value=none, max_value=none, row_condition=none) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("in_range: give min_value, max_value or both") }}
{%- endif %}

with

checked_rows as (

    select {{ column_name }} as checked_value
    from {{ model }}
    where {{ column_name }} is not null
    {%- if row_condition %}
        and ({{ row_condition }})
    {%- endif %}

),

out_of_range as (

    select checked_value
    from checked_rows
    where
        {%- if min_value is not none %}
        checked_value < {{ min_value }}
        {%- endif %}
        {%- if min_value is not none and max_value is not none %}
        or
        {%- endif %}
        {%- if max_value is not none %}
        checked_value > {{ max_value }}
        {%- endif %}

)

select * from out_of_range

{% endtest %}
