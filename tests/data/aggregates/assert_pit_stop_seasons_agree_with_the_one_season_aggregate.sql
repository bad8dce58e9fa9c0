-- agg_pit_stops_by_constructor_season has, for the season agg_fastest_pit_stops_by_constructor describes,
-- exactly the same constructors, ranks and statistics (two implementations of one definition, kept equal).
with

one_season as (
    select * from {{ ref('agg_fastest_pit_stops_by_constructor') }}
),

every_season as (
    select * from {{ ref('agg_pit_stops_by_constructor_season') }}
    where race_year in (select one_season.race_year from one_season)
),

compared as (
    select
        one_season.constructor_name as expected_constructor,
        every_season.constructor_name as actual_constructor,
        one_season.rank_by_median as expected_rank,
        every_season.rank_by_median as actual_rank,
        one_season.pit_stop_count as expected_count,
        every_season.pit_stop_count as actual_count,
        abs(one_season.mean_seconds - every_season.mean_seconds)
        + abs(coalesce(one_season.std_seconds, 0) - coalesce(every_season.std_seconds, 0))
        + abs(one_season.min_seconds - every_season.min_seconds)
        + abs(one_season.q1_seconds - every_season.q1_seconds)
        + abs(one_season.median_seconds - every_season.median_seconds)
        + abs(one_season.q3_seconds - every_season.q3_seconds)
        + abs(one_season.max_seconds - every_season.max_seconds) as total_difference
    from one_season
    full outer join every_season
        on one_season.constructor_name = every_season.constructor_name
)

select *
from compared
where
    expected_rank is null
    or actual_rank is null
    or expected_rank <> actual_rank
    or expected_count <> actual_count
    or not total_difference < 1e-9
