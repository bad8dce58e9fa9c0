-- Order statistics must be ordered: min <= q1 <= median <= q3 <= max, and the mean within [min, max].
select
    constructor_name,
    min_seconds,
    q1_seconds,
    median_seconds,
    q3_seconds,
    max_seconds,
    mean_seconds
from {{ ref('agg_fastest_pit_stops_by_constructor') }}
where
    not (
        min_seconds <= q1_seconds
        and q1_seconds <= median_seconds
        and median_seconds <= q3_seconds
        and q3_seconds <= max_seconds
        and mean_seconds between min_seconds and max_seconds
        and pit_stop_count > 0
    )
