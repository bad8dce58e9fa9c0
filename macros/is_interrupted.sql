{#-
    is_interrupted(duration_ms, race_median_lap_ms): true when a lap or a pit stop took longer than three
    median laps of its race. No racing lap or routine stop does: such a lap or stop spans a race suspension
    (red flag: the cars wait in the pit lane for many minutes) or the car stood in the garage. False when
    the race has no lap times to compare with. The marts flag these rows and the statistics leave them out.
-#}
{% macro is_interrupted(duration_ms, race_median_lap_ms) -%}
    coalesce({{ duration_ms }} > 3 * {{ race_median_lap_ms }}, false)
{%- endmacro %}
