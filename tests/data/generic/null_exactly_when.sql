{#-
    null_exactly_when: the column is null on exactly the rows where `condition` holds (a SQL boolean
    expression over the model's columns; a null condition counts as false). For example, a championship
    position is missing exactly when the standing is published as unranked:

        data_tests:
          - null_exactly_when:
              arguments:
                condition: "championship_position_text = '-'"
-#}
{% test null_exactly_when(model, column_name, condition) %}

with

checked_rows as (

    select
        {{ column_name }} as checked_value,
        coalesce({{ condition }}, false) as condition_holds
    from {{ model }}

)

select *
from checked_rows
where (checked_value is null) <> condition_holds

{% endtest %}
