-- A race takes place in the calendar year of its season.
select
    race_id,
    race_year,
    race_date

from {{ ref('dim_races') }}
where extract(year from race_date) <> race_year
