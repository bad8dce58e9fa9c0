{#-
    parse_duration_ms(column): a duration written as text, in whole milliseconds (bigint).

    Accepts the three shapes the Ergast data uses, with any number of fractional digits:
        ss.fff        26.898       -> 26898      (pit stop durations)
        m:ss.fff      1:38.109     -> 98109      (lap, qualifying and fastest-lap times)
        h:mm:ss.fff   2:05:05.152  -> 7505152    (red-flagged laps, race times)
    Surrounding blanks are ignored. Null, '', '\N' and anything else that is not a duration
    (a gap such as '+5.478', '+1 Lap', '1:75.000', text) give null instead of an error.
    Portable: a regular-expression guard (project macro regexp_full_match), then dbt.split_part
    and a null-safe cast (project macro try_cast) per component.
-#}
{% macro parse_duration_ms(column) -%}
    {%- set text = "trim(" ~ column ~ ")" -%}
    {%- set pattern = "[0-9]+(:[0-5]?[0-9]){0,2}([.][0-9]+)?" -%}
    {%- set colons = "(length(" ~ text ~ ") - length(replace(" ~ text ~ ", ':', '')))" -%}
    {%- set parts = [] -%}
    {%- for i in [1, 2, 3] -%}
        {%- set part = dbt.split_part(text, "':'", i) | trim -%}
        {%- do parts.append(try_cast(part, "decimal(18, 3)") | trim) -%}
    {%- endfor -%}
    case
        when {{ regexp_full_match(text, pattern) }}
            then cast(round(1000 * case {{ colons }}
                when 0 then {{ parts[0] }}
                when 1 then 60 * {{ parts[0] }} + {{ parts[1] }}
                else 3600 * {{ parts[0] }} + 60 * {{ parts[1] }} + {{ parts[2] }}
            end, 0) as bigint)
    end
{%- endmacro %}
