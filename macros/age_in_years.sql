{#-
    age_in_years(birth_date, on_date): completed years of life on on_date (integer).

    Correct to the day: the difference of the calendar years, minus one when the birthday has not
    been reached yet in on_date's year. (dbt.datediff('year', ...) counts year boundaries and is
    up to a year off.) Someone born on 29 February turns a year older on 1 March in common years.
    Null when either date is null. Uses only extract(), which every supported engine runs.
-#}
{% macro age_in_years(birth_date, on_date) -%}
    cast(
        extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ on_date }}) < extract(month from {{ birth_date }})
                then 1
            when extract(month from {{ on_date }}) = extract(month from {{ birth_date }})
                and extract(day from {{ on_date }}) < extract(day from {{ birth_date }})
                then 1
            else 0
        end
    as integer)
{%- endmacro %}
