{#-
    unique_combination: no two rows share the same values in all of the given columns
    (a composite primary key). Rows where any of the columns is null are still compared, so
    pair it with not_null tests on the key columns.

        data_tests:
          - unique_combination:
              arguments:
                combination_of_columns: [race_id, driver_id, lap]
-#}
{% test unique_combination(model, combination_of_columns) %}

{%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "unique_combination: combination_of_columns must be a non-empty list"
    ) }}
{%- endif %}

with

duplicated_keys as (

    select
        {%- for column in combination_of_columns %}
        {{ column }},
        {%- endfor %}
        count(*) as number_of_rows
    from {{ model }}
    group by
        {%- for column in combination_of_columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    having count(*) > 1

)

select * from duplicated_keys

{% endtest %}
