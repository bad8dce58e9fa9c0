{#-
    previous_races(partition_by, races): the window over an entity's previous `races` races, never the
    current one, for the ML features (what keeps a race's own result out of its own row):

        avg(position_order) over {{ previous_races('driver_id', 5) }}

    renders `(partition by driver_id order by race_order rows between 5 preceding and 1 preceding)`.
    Written out per use because Snowflake has no named WINDOW clause. Needs a `race_order` column.
-#}
{% macro previous_races(partition_by, races) -%}
    {%- if races | int < 1 -%}
        {{ exceptions.raise_compiler_error("previous_races: races must be at least 1, got " ~ races) }}
    {%- endif -%}
    (partition by {{ partition_by }} order by race_order rows between {{ races | int }} preceding and 1 preceding)
{%- endmacro %}
