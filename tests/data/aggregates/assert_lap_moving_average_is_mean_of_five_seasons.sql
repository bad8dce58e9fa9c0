-- The 5-season moving average equals the mean of the five seasons it covers, recomputed here with a
-- self-join (not a window function, so the test does not repeat the model's own method).
with

trend as (
    select * from {{ ref('agg_lap_times_moving_avg') }}
),

recomputed as (
    select
        current_season.race_year,
        current_season.lap_moving_avg_5_years,
        avg(covered.lap_time_seconds) as expected,
        count(*) as seasons_covered
    from trend as current_season
    inner join trend as covered
        on covered.race_year between current_season.race_year - 4 and current_season.race_year
    group by 1, 2
)

select *
from recomputed
where
    (seasons_covered = 5 and abs(lap_moving_avg_5_years - expected) > 1e-9)
    or (seasons_covered < 5 and lap_moving_avg_5_years is not null)
