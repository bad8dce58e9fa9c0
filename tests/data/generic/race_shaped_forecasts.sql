{#-
    race_shaped_forecasts: forecasts that respect the race. Each driver's three probabilities lie in [0, 1] and
    add up to 1; in a coupled race (is_coupled) the chances of a podium add up to its 3 podium places and the
    chances of points to its 7 points places; and the calls are exactly 3 podium and 7 points in a race of at
    least 10 entrants, never more than that in a smaller one. A race is the rows sharing `race_columns`.

        data_tests:
          - race_shaped_forecasts:
              arguments:
                race_columns: [forecast_key, race_id]
-#}
{% test race_shaped_forecasts(model, race_columns=['race_id']) %}

{%- set tolerance = 1e-6 %}

with

forecasts as (

    select * from {{ model }}

),

drivers as (

    select
        {{ race_columns | join(', ') }},
        'a driver''s probabilities sum to '
        || cast(prob_podium + prob_points + prob_no_points as {{ dbt.type_string() }}) as problem

    from forecasts
    where
        abs(prob_podium + prob_points + prob_no_points - 1) > {{ tolerance }}
        or least(prob_podium, prob_points, prob_no_points) < 0
        or greatest(prob_podium, prob_points, prob_no_points) > 1

),

races as (

    select
        {{ race_columns | join(', ') }},
        count(*) as entrants,
        sum(case when is_coupled then 1 else 0 end) as coupled_rows,
        sum(prob_podium) as podium_chances,
        sum(prob_points) as points_chances,
        sum(case when predicted_position_label = 1 then 1 else 0 end) as podium_calls,
        sum(case when predicted_position_label = 2 then 1 else 0 end) as points_calls

    from forecasts
    group by {{ race_columns | join(', ') }}

),

race_problems as (

    select
        {{ race_columns | join(', ') }},
        'podium chances sum to ' || cast(podium_chances as {{ dbt.type_string() }})
        || ', points chances to ' || cast(points_chances as {{ dbt.type_string() }})
        || ', podium calls ' || cast(podium_calls as {{ dbt.type_string() }})
        || ', points calls ' || cast(points_calls as {{ dbt.type_string() }})
        || ' in a race of ' || cast(entrants as {{ dbt.type_string() }}) as problem

    from races
    where
        (coupled_rows > 0 and (abs(podium_chances - 3) > {{ tolerance }} or abs(points_chances - 7) > {{ tolerance }}))
        or (entrants >= 10 and (podium_calls != 3 or points_calls != 7))
        or podium_calls > 3
        or points_calls > 7

)

select * from drivers
union all
select * from race_problems

{% endtest %}
