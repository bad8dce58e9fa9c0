{#-
    finishing_class(position): the model's three classes for a finishing (or starting) position:
    1 podium (1st-3rd), 2 points (4th-10th), 3 no points (11th or lower, or null: not classified).
    The label uses the classified position; the grid baseline applies the same rule to the grid slot.
-#}
{% macro finishing_class(position) -%}
    case
        when {{ position }} between 1 and 3 then 1
        when {{ position }} between 4 and 10 then 2
        else 3
    end
{%- endmacro %}
