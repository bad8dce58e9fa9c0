-- fct_results holds exactly the rows of stg_results, with the same values: no result missing, none stale
-- after the source corrected it, none left over after the source deleted it.
{%- set columns = [
    'result_id', 'race_id', 'driver_id', 'constructor_id', 'status_id', 'car_number', 'grid',
    'position', 'position_text', 'position_order', 'points', 'laps', 'race_time_or_gap',
    'race_time_milliseconds', 'fastest_lap', 'fastest_lap_rank', 'fastest_lap_time_formatted',
    'fastest_lap_time_milliseconds', 'fastest_lap_speed_kph',
] %}

with

staged as (

    select
        {{ columns | join(',\n        ') }}

    from {{ ref('stg_results') }}

),

loaded as (

    select
        {{ columns | join(',\n        ') }}

    from {{ ref('fct_results') }}

),

missing_or_different as (

    select * from staged
    {{ dbt.except() }}
    select * from loaded

),

extra_or_stale as (

    select * from loaded
    {{ dbt.except() }}
    select * from staged

),

problems as (

    select
        'missing from fct_results, or different' as problem,
        result_id

    from missing_or_different

    union all

    select
        'extra or stale in fct_results' as problem,
        result_id

    from extra_or_stale

)

select * from problems
