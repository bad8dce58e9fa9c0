{#-
    championship_position(position, position_text): the championship position, null when unranked.

    Newer exports list a driver or constructor with no championship position yet with position_text '-' and
    an empty position; '-' decides, whatever the position column holds, as position_text decides for results
    (classified_position).
-#}
{% macro championship_position(position, position_text) -%}
    case
        when {{ clean_string(position_text) }} = '-' then null
        else cast({{ position }} as integer)
    end
{%- endmacro %}
