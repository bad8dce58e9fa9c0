{#-
    classified_position(position, position_text): the finishing position of a classified result, else null.

    position_text decides: a number means classified, a letter (R, D, E, W, F, N or any other code) means not
    classified. Newer exports put the driver's place in the result list in `position` even for a retirement;
    older files put \N there. Either way a result that is not classified gets no position, so the DNF flag and
    the labels built on it cannot be fooled. A classified result whose position is missing (two 2005 rows)
    takes the number of its text.
-#}
{% macro classified_position(position, position_text) -%}
    {%- set text_as_number = try_cast(clean_string(position_text), 'integer') -%}
    case
        when {{ text_as_number }} is not null
            then coalesce(cast({{ position }} as integer), {{ text_as_number }})
    end
{%- endmacro %}
