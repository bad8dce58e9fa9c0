"""Features and labels for the finishing-position model: one row per driver per race.

Every feature is known before the race starts: the grid, the circuit, the car, the driver, the
driver's age, and statistics computed only from races *before* the one being predicted (reliability,
pit-stop tendency, experience). The race's own result feeds its label and nothing else.

The logic is plain functions over pandas frames (tests/python/test_ml_data_prep.py imports this file);
the engine is touched only in `model()`, at its edges.
"""

import pandas as pd

RESULT_COLUMNS = [
    "race_id", "race_year", "race_round", "race_date", "circuit_name", "driver_id", "driver_ref",
    "constructor_id", "constructor_ref", "constructor_name", "grid", "position", "position_order", "is_dnf",
    "driver_age_years",
]  # fmt: skip
OUTPUT_COLUMNS = [
    "driver_race_id", "race_id", "driver_id", "race_year", "race_round", "race_date", "circuit_name",
    "driver_ref", "constructor_team", "grid", "grid_position", "driver_age_years", "driver_confidence",
    "constructor_reliability", "driver_avg_pit_stops", "driver_prior_races", "driver_recent_finish",
    "constructor_recent_finish", "position", "position_label",
    "grid_baseline_label", "dataset_split", "holdout_season",
]  # fmt: skip


def finishing_label(position: pd.Series) -> pd.Series:
    """1 podium, 2 points, 3 no points; a missing position (not classified) is always 3."""
    label = pd.Series(3, index=position.index, dtype="int64")
    label[position.between(4, 10)] = 2
    label[position.between(1, 3)] = 1
    return label


def grid_baseline_label(grid_position: pd.Series) -> pd.Series:
    """The rule a fan would use: start on the podium places, finish there. The model must beat it."""
    return finishing_label(grid_position)


def grid_position(grid: pd.Series, race_id: pd.Series) -> pd.Series:
    """Grid slot with a pit-lane start (grid 0, or missing) counted as last: the size of the field."""
    field_size = race_id.map(race_id.value_counts())
    started_on_grid = grid.notna() & (grid > 0)
    return grid.where(started_on_grid, field_size).astype("int64")


def one_row_per_driver_per_race(results: pd.DataFrame) -> pd.DataFrame:
    """Drivers who shared cars in the 1950s have several results in one race: keep their best."""
    ordered = results.sort_values(["race_id", "driver_id", "position_order"])
    return ordered.drop_duplicates(["race_id", "driver_id"], keep="first").reset_index(drop=True)


def prior_rate(frame: pd.DataFrame, entity: str, value: str, window: int) -> pd.Series:
    """Mean of `value` per entry over the entity's previous `window` races, never the current one.

    Works race by race: a constructor's two cars in the same race count together, and neither sees
    the other's outcome. Missing values are not counted. NaN when there is no known earlier value.
    """
    per_race = (
        frame.groupby([entity, "race_order"], as_index=False)[value]
        .agg(total="sum", entries="count")
        .sort_values([entity, "race_order"])
    )
    # Sum over the entity's previous `window` races, never the current one: the running total up to the
    # previous race minus the running total up to `window` races before that (vectorized, no per-group loop).
    entity_of_row = per_race[entity]

    def earlier_sum(column: str) -> pd.Series:
        running = per_race.groupby(entity)[column].cumsum()
        by_entity = running.groupby(entity_of_row)
        return by_entity.shift(1, fill_value=0) - by_entity.shift(window + 1, fill_value=0)

    earlier_total, earlier_entries = earlier_sum("total"), earlier_sum("entries")
    per_race["rate"] = earlier_total / earlier_entries.where(earlier_entries > 0)
    rates = per_race.set_index([entity, "race_order"])["rate"]
    return pd.Series(rates.reindex(pd.MultiIndex.from_frame(frame[[entity, "race_order"]])).to_numpy(), frame.index)


def prior_count(frame: pd.DataFrame, entity: str) -> pd.Series:
    """How many races the entity entered before this one."""
    return frame.sort_values("race_order").groupby(entity).cumcount().reindex(frame.index)


def resolve_holdout_season(results: pd.DataFrame, holdout_season) -> int:
    """The configured season, or the latest season that has any result."""
    if holdout_season not in (None, ""):
        season = int(holdout_season)
        if season not in set(results["race_year"]):
            raise ValueError(
                f"holdout_season={season} has no results in mrt_results "
                f"(seasons present: {results['race_year'].min()}-{results['race_year'].max()})"
            )
        return season
    return int(results.loc[results["position_order"].notna(), "race_year"].max())


def dataset_split(race_year: pd.Series, holdout: int, training_seasons: int) -> pd.Series:
    """train: the first training seasons; test: the last one (validation respects time); hold_out."""
    first = holdout - training_seasons
    split = pd.Series(pd.NA, index=race_year.index, dtype="string")
    split[race_year.between(first, holdout - 2)] = "train"
    split[race_year == holdout - 1] = "test"
    split[race_year == holdout] = "hold_out"
    return split


def build_features(
    results: pd.DataFrame,
    pit_stops: pd.DataFrame,
    lineage: pd.DataFrame,
    holdout_season=None,
    training_seasons: int = 10,
    history_races: int = 20,
) -> pd.DataFrame:
    """All feature, label and split columns for the rows of the training window and hold-out season.

    results: mrt_results columns (RESULT_COLUMNS); pit_stops: one row per driver per race that has
    pit-stop data (race_id, driver_id, total_pit_stops_per_race); lineage: constructor_ref -> team_lineage.
    """
    if training_seasons < 2:
        raise ValueError("training_seasons must be at least 2: one to train on, the last to validate")
    frame = one_row_per_driver_per_race(results)
    holdout = resolve_holdout_season(frame, holdout_season)
    frame = frame[frame["race_year"] <= holdout].copy()

    races_in_order = frame[["race_date", "race_id"]].drop_duplicates().sort_values(["race_date", "race_id"])
    frame["race_order"] = frame["race_id"].map({race: n for n, race in enumerate(races_in_order["race_id"])})

    lineage_by_ref = lineage.set_index("constructor_ref")["team_lineage"]
    frame["constructor_team"] = frame["constructor_ref"].map(lineage_by_ref).fillna(frame["constructor_name"])
    frame["dnf"] = frame["is_dnf"].astype("float64")

    # Pit-stop tendency: known only for races with pit-stop data; a driver absent there made no stop.
    has_pit_data = frame["race_id"].isin(set(pit_stops["race_id"]))
    stops = frame[["race_id", "driver_id"]].merge(pit_stops, on=["race_id", "driver_id"], how="left")
    frame["pit_stops"] = stops["total_pit_stops_per_race"].astype("float64").fillna(0).to_numpy()
    frame["pit_stops"] = frame["pit_stops"].where(has_pit_data)

    frame["driver_confidence"] = 1 - prior_rate(frame, "driver_id", "dnf", history_races)
    frame["constructor_reliability"] = 1 - prior_rate(frame, "constructor_team", "dnf", history_races)
    frame["driver_avg_pit_stops"] = prior_rate(frame, "driver_id", "pit_stops", history_races)
    frame["driver_prior_races"] = prior_count(frame, "driver_id")
    # Recent form: where the driver and the team's cars finished (order of the results, DNFs included).
    frame["driver_recent_finish"] = prior_rate(frame, "driver_id", "position_order", history_races)
    frame["constructor_recent_finish"] = prior_rate(frame, "constructor_team", "position_order", history_races)

    frame["grid_position"] = grid_position(frame["grid"], frame["race_id"])
    frame["position_label"] = finishing_label(frame["position"])
    frame["grid_baseline_label"] = grid_baseline_label(frame["grid_position"])
    frame["dataset_split"] = dataset_split(frame["race_year"], holdout, training_seasons)
    frame["holdout_season"] = holdout

    window = frame[frame["dataset_split"].notna()].copy()
    window["driver_race_id"] = window["race_id"].astype(str) + "-" + window["driver_id"].astype(str)
    ordered = window.sort_values(["race_year", "race_round", "grid_position"])
    return ordered[OUTPUT_COLUMNS].reset_index(drop=True)


# --- engine edges ----------------------------------------------------------------------------------------


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, session) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if hasattr(session, "file") else frame


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["pandas==2.2.3"],
        python_version="3.11",
    )
    settings = dbt.config.get("meta")
    results = to_pandas(dbt.ref("mrt_results").select(*RESULT_COLUMNS))
    pit_stops = to_pandas(
        dbt.ref("fct_pit_stops").select("race_id", "driver_id", "total_pit_stops_per_race").distinct()
    )
    lineage = to_pandas(dbt.ref("constructor_lineage").select("constructor_ref", "team_lineage"))
    features = build_features(
        results,
        pit_stops,
        lineage,
        holdout_season=settings["holdout_season"],
        training_seasons=int(settings["training_seasons"]),
        history_races=int(settings["history_races"]),
    )
    return to_engine(features, session)
