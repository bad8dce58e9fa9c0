{#-
    has_every_row_of: the model has exactly as many rows as `parent`, the model it selects from. For a
    core table that passes its staging view's rows through (no filter, joins that add columns only), equal
    counts mean every staging row is in the table, so a check on the table's column also holds for the
    view's (docs/decisions.md, 28). For a mart that joins a unique table only on keys unique in the other
    table, equal counts mean no join added or dropped a row, so the mart is unique too (60). One row comes
    back when the counts differ.

        data_tests:
          - has_every_row_of:
              arguments:
                parent: ref('stg_circuits')
-#}
{% test has_every_row_of(model, parent) %}

with

row_counts as (

    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ parent }}) as parent_rows

)

select * from row_counts
where model_rows <> parent_rows

{% endtest %}
