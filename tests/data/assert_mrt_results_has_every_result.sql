-- mrt_results keeps every row of fct_results: its left joins drop nothing and fan out nothing.
with

results as (

    select result_id from {{ ref('fct_results') }}

),

mart as (

    select result_id from {{ ref('mrt_results') }}

)

select results.result_id
from results
left join mart
    on results.result_id = mart.result_id
where mart.result_id is null
