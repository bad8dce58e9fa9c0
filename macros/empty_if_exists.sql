{#-
    empty_if_exists(relation): a hook that deletes every row of `relation` if it is a table, and does nothing
    when it does not exist yet. apply_prediction_to_position runs it before predicting, outside its
    transaction, so a refused prediction leaves no earlier forecast to pass for a current one.
-#}
{% macro empty_if_exists(relation) -%}
    {%- set existing = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {%- if existing is not none and existing.is_table -%}
        delete from {{ existing }}
    {%- endif -%}
{%- endmacro %}
