{#-
    integer_key(first, rest): a row key of integer columns as one bigint, which is much cheaper to build,
    store and compare than a text hash (at 100x the data, the md5 key was most of fct_lap_times' time).
    `rest` lists (column, digits) pairs: each later column takes that many decimal digits of the key.

        {{ integer_key('race_id', [('driver_id', 6), ('lap', 3)]) }}
        -> race_id * 1000000000 + driver_id * 1000 + lap

    Two rows share a key only when they agree on every column, provided each later column is between 0 and
    10^digits - 1. Outside that range the key is null, so the key's not_null constraint (or test) fails
    rather than two different rows sharing a key; a null column gives a null key as well.
-#}
{% macro integer_key(first, rest) -%}
    {%- set terms = [] -%}
    {%- set guards = [] -%}
    {%- set ns = namespace(digits_after=0) -%}
    {%- for column, digits in rest | reverse -%}
        {%- do terms.insert(0, column if ns.digits_after == 0 else column ~ ' * ' ~ 10 ** ns.digits_after) -%}
        {%- do guards.insert(0, column ~ ' between 0 and ' ~ (10 ** digits - 1)) -%}
        {%- set ns.digits_after = ns.digits_after + digits -%}
    {%- endfor -%}
    case
        when {{ guards | join(' and ') }}
            then cast({{ first }} as bigint) * {{ 10 ** ns.digits_after }} + {{ terms | join(' + ') }}
    end
{%- endmacro %}
