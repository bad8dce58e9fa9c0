"""The race forecasts (apply_prediction_to_position) as a fan reads them: which race is next, its title, who is
called on the podium, and each driver's row. Shared by the overview and the forecasts page."""

import pandas as pd

CLASS_NAMES = {1: "podium", 2: "points", 3: "no points"}
HOW_CALLS_ARE_MADE = (
    "How calls are made: the three drivers with the best chance of a podium are called podium, the seven with "
    "the next best chance of a top-ten finish are called points, and everyone else no points, so a race has "
    "exactly three podium calls and seven points calls."
)


def next_race(forecasts: pd.DataFrame) -> int | None:
    """The earliest upcoming race (entrants known, no result yet), or None."""
    upcoming = forecasts[forecasts["race_status"] == "upcoming"]
    if upcoming.empty:
        return None
    return int(upcoming.sort_values(["race_date", "race_id"])["race_id"].iloc[0])


def race_title(race: pd.Series) -> str:
    name = race["race_name"] if pd.notna(race["race_name"]) else race["circuit_name"]
    return f"{name}, round {race['race_round']} of {race['race_year']} ({pd.Timestamp(race['race_date']):%d %b %Y})"


def race_choices(forecasts: pd.DataFrame) -> dict[int, str]:
    """Race id -> label for the picker, in date order; upcoming races say so."""
    races = forecasts.drop_duplicates("race_id").sort_values(["race_date", "race_id"])
    following = next_race(forecasts)
    labels = {}
    for race in races.itertuples(index=False):
        name = race.race_name if pd.notna(race.race_name) else race.circuit_name
        status = " · upcoming" if race.race_status == "upcoming" else ""
        status = " · next race" if race.race_id == following else status
        date = pd.Timestamp(race.race_date)
        labels[int(race.race_id)] = f"Round {race.race_round}: {name} ({date:%Y-%m-%d}){status}"
    return labels


def default_race(forecasts: pd.DataFrame) -> int:
    """The race a page opens on: the next race when there is one, else the latest race run."""
    following = next_race(forecasts)
    if following is not None:
        return following
    return int(forecasts.sort_values(["race_date", "race_id"])["race_id"].iloc[-1])


def driver_names(race: pd.DataFrame) -> pd.Series:
    return race["driver_name"].fillna(race["driver_ref"])


def podium_sentence(race: pd.DataFrame) -> str:
    called = race[race["predicted_position_label"] == 1].sort_values("prob_podium", ascending=False)
    names = driver_names(called).tolist()
    if not names:
        return ""
    return f"Called on the podium: {', '.join(names)}."


def start_order(race: pd.DataFrame) -> pd.Series:
    """The slot a driver starts from, as the model saw it: the grid slot (a pit-lane start counted last), or the
    qualifying position for an upcoming race."""
    return race["grid_position"].fillna(race["grid"].where(race["grid"] > 0, 99))


def start_text(row: pd.Series) -> str:
    if row["race_status"] == "upcoming" or pd.isna(row["grid"]):
        return f"{int(row['grid_position'])}" if pd.notna(row["grid_position"]) else ""
    return "pit lane" if row["grid"] == 0 else f"{int(row['grid'])}"


def result_text(position) -> str:
    return "not classified" if pd.isna(position) else f"P{int(position)}"


def rows(race: pd.DataFrame) -> pd.DataFrame:
    """One row per driver, in starting order, with labels a person reads; chances in percent. A race that has
    been run also shows its result, whether the call was right, and the grid rule's call."""
    race = race.assign(start=start_order(race), driver=driver_names(race)).sort_values(["start", "driver"])
    upcoming = (race["race_status"] == "upcoming").all()
    table = pd.DataFrame(
        {
            "Qualified" if upcoming else "Grid": race.apply(start_text, axis=1),
            "Driver": race["driver"],
            "Team": race["constructor_team"],
            "Chance of a podium": 100 * race["prob_podium"],
            "Chance of points": 100 * race["prob_points"],
            "Chance of no points": 100 * race["prob_no_points"],
            "Call": race["predicted_position_label"].map(CLASS_NAMES),
        }
    )
    if not upcoming:
        table["Result"] = race["position"].map(result_text)
        right = race["predicted_position_label"] == race["position_label"]
        table["Call right"] = right.map({True: "yes", False: "no"})
        table["Grid rule call"] = race["grid_baseline_label"].map(CLASS_NAMES)
    return table.reset_index(drop=True)
