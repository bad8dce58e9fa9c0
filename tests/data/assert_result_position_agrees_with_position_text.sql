-- A result has a position exactly when its position_text is a number, and then the same number;
-- is_dnf (position is null) therefore means "not classified" and nothing else. staging's
-- classified_position makes the first half true by construction, whatever a file puts in position;
-- a published position that contradicts its text (e.g. 5 for text '6') still fails here.
with

results as (

    select
        result_id,
        position,
        position_text,
        {{ try_cast('position_text', 'integer') }} as position_from_text

    from {{ ref('fct_results') }}

)

select *
from results
where (position is null and position_from_text is not null)
    or (position is not null and position_from_text is null)
    or position <> position_from_text
