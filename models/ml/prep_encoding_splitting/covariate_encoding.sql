-- The model's window: the hold-out season and the `training_seasons` seasons before it, each row with
-- its split, and every upcoming race. The last training season validates (`validation`), the ones
-- before train, the hold-out season's run races are predicted and scored (`hold_out`), and upcoming
-- races (entrants known, results not) are forecast (`upcoming`): they never train, validate or score.
-- Encoding itself happens inside the saved scikit-learn Pipeline, fitted on training rows only.
{%- set training_seasons = var('training_seasons') | int %}
{%- if training_seasons < 2 %}
    {{ exceptions.raise_compiler_error(
        "training_seasons must be at least 2 (one to train on, the last to validate), got " ~ training_seasons
    ) }}
{%- endif %}
with

prep as (

    select * from {{ ref('ml_data_prep') }}

),

hold_out as (

    -- var hold_out_season, or the latest season with entrants: the season being raced, whose first race may
    -- still be upcoming (then the model is fitted on every season before it, as the backtest fits it)
    select coalesce({{ var('hold_out_season') or 'null' }}, max(race_year)) as hold_out_season
    from prep

),

final as (

    select
        prep.*,
        hold_out.hold_out_season,
        case
            when prep.race_status = 'upcoming' then 'upcoming'
            when prep.race_year = hold_out.hold_out_season then 'hold_out'
            when prep.race_year = hold_out.hold_out_season - 1 then 'validation'
            else 'train'
        end as dataset_split

    from prep
    cross join hold_out
    where
        prep.race_status = 'upcoming'
        or prep.race_year between hold_out.hold_out_season - {{ training_seasons }} and hold_out.hold_out_season

)

-- every column of ml_data_prep, and the split: the model's input table
select * from final  -- noqa: AM04
