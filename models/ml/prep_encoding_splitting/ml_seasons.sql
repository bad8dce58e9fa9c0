-- One row per season: races run and upcoming, and whether the season is partial, i.e. has too few races
-- run to stand for a season in a verdict. A season is partial when it has fewer run races than var
-- min_races_per_season, or (the var null) than a third of the mean of the 10 seasons before it: a
-- mid-season export makes the newest season partial, and evaluations keep its figures but leave it out
-- of met / not-met verdicts.
with

driver_races as (

    select * from {{ ref('ml_driver_races') }}

),

races as (

    select * from {{ ref('dim_races') }}

),

season_races as (

    select
        race_year as season,
        count(distinct case when race_status = 'run' then race_id end) as races_run,
        count(distinct case when race_status = 'upcoming' then race_id end) as races_upcoming

    from driver_races
    group by 1

),

scheduled as (

    select
        race_year as season,
        count(*) as races_scheduled

    from races
    group by 1

),

typical as (

    select
        season_races.season,
        season_races.races_run,
        season_races.races_upcoming,
        scheduled.races_scheduled,
        avg(season_races.races_run) over (
            order by season_races.season rows between 10 preceding and 1 preceding
        ) as typical_races_run

    from season_races
    left join scheduled
        on season_races.season = scheduled.season

),

final as (

    select
        season,
        races_run,
        races_upcoming,
        races_scheduled,
        cast(typical_races_run as double) as typical_races_run,
        cast(
            coalesce({{ var('min_races_per_season') or 'null' }}, ceil(typical_races_run / 3.0), 0) as integer
        ) as min_races_for_verdict,
        races_run < coalesce({{ var('min_races_per_season') or 'null' }}, ceil(typical_races_run / 3.0), 0)
            as is_partial_season

    from typical

)

select * from final
