"""A hand-made Formula 1 season in the raw CSV layout: few enough races to check the ML features by hand.

Two teams of two drivers race four rounds of 2023 on one circuit. Each race is given by its grid, its
qualifying times and its classification (drivers in finishing order, then the ones not classified); points,
standings after each round and constructor results are derived from the classifications as the real data
derives them, so changing one race's result changes exactly what it would change in a real export.
"""

import csv
from dataclasses import dataclass, field

from f1ml.raw.tables import TABLES

SEASON = 2023
DRIVERS = {1: ("alpha", "Ann", "Alpha"), 2: ("bravo", "Ben", "Bravo"), 3: ("charlie", "Cat", "Charlie"),
           4: ("delta", "Dan", "Delta")}  # fmt: skip
TEAM_OF = {1: 1, 2: 1, 3: 2, 4: 2}
TEAMS = {1: ("red", "Red Racing"), 2: ("blue", "Blue Racing")}
POINTS = {1: 25, 2: 18, 3: 15, 4: 12}
FINISHED, RETIRED = 1, 2


@dataclass
class Race:
    grid: dict[int, int]  # driver -> grid slot (0: pit-lane start)
    qualifying_ms: dict[int, int]  # driver -> best Q1 lap, milliseconds
    classified: list[int]  # drivers in finishing order; none, and none retired: the race is not run yet
    retired: list[int] = field(default_factory=list)  # not classified, in classification-list order

    @property
    def is_run(self) -> bool:
        return bool(self.classified or self.retired)


def season() -> list[Race]:
    """Four rounds. Driver 3 starts round 3 from the pit lane; driver 2 takes a grid penalty in round 2."""
    return [
        Race({1: 1, 2: 2, 3: 3, 4: 4}, {1: 90_000, 2: 90_900, 3: 91_800, 4: 92_700}, [1, 2, 3, 4]),
        Race({1: 1, 2: 4, 3: 2, 4: 3}, {1: 90_000, 2: 90_450, 3: 91_800, 4: 92_700}, [3, 1, 4], retired=[2]),
        Race({1: 2, 2: 1, 3: 0, 4: 3}, {1: 90_900, 2: 90_000, 3: 91_000, 4: 92_000}, [2, 4, 1, 3]),
        Race({1: 1, 2: 2, 3: 3, 4: 4}, {1: 90_000, 2: 90_100, 3: 90_200, 4: 90_300}, [4, 3, 2, 1]),
    ]


def race_id(round_number: int) -> int:
    return 100 + round_number


def rows_by_table(races: list[Race]) -> dict[str, list[dict]]:
    """Every raw table's rows, keyed by CSV header, for the given rounds (round n = races[n - 1])."""
    tables = {
        "circuits": [{"circuitId": 1, "circuitRef": "ring", "name": "The Ring", "location": "Ringtown",
                      "country": "Nowhere", "lat": 0.0, "lng": 0.0, "alt": 10, "url": "http://example.org/ring"}],
        "constructors": [{"constructorId": t, "constructorRef": ref, "name": name, "nationality": "None",
                          "url": f"http://example.org/{ref}"} for t, (ref, name) in TEAMS.items()],
        "drivers": [{"driverId": d, "driverRef": ref, "number": d, "code": ref[:3].upper(), "forename": first,
                     "surname": last, "dob": "1995-01-01", "nationality": "None", "url": f"http://example.org/{ref}"}
                    for d, (ref, first, last) in DRIVERS.items()],
        "seasons": [{"year": SEASON, "url": "http://example.org/2023"}],
        "status": [{"statusId": FINISHED, "status": "Finished"}, {"statusId": RETIRED, "status": "Engine"}],
        "races": [], "results": [], "qualifying": [], "driver_standings": [], "constructor_standings": [],
        "constructor_results": [], "lap_times": [], "pit_stops": [], "sprint_results": [],
    }  # fmt: skip
    driver_points, team_points = dict.fromkeys(DRIVERS, 0), dict.fromkeys(TEAMS, 0)
    driver_wins, team_wins = dict.fromkeys(DRIVERS, 0), dict.fromkeys(TEAMS, 0)
    for number, race in enumerate(races, start=1):
        rid = race_id(number)
        tables["races"].append({"raceId": rid, "year": SEASON, "round": number, "circuitId": 1,
                                "name": f"Grand Prix {number}", "date": f"{SEASON}-0{number}-01", "time": "14:00:00",
                                "url": f"http://example.org/{number}"})  # fmt: skip
        by_time = sorted(race.qualifying_ms, key=race.qualifying_ms.get)
        for place, driver in enumerate(by_time, start=1):
            milliseconds = race.qualifying_ms[driver]
            lap = f"{milliseconds // 60_000}:{milliseconds % 60_000 // 1000:02d}.{milliseconds % 1000:03d}"
            tables["qualifying"].append({"qualifyId": rid * 10 + driver, "raceId": rid, "driverId": driver,
                                         "constructorId": TEAM_OF[driver], "number": driver, "position": place,
                                         "q1": lap, "q2": None, "q3": None})  # fmt: skip
        if not race.is_run:  # Saturday evening: qualifying is in, nothing of the race yet
            continue
        order = race.classified + race.retired
        round_points = dict.fromkeys(DRIVERS, 0)
        for place, driver in enumerate(order, start=1):
            is_classified = driver in race.classified
            round_points[driver] = POINTS.get(place, 0) if is_classified else 0
            tables["results"].append({
                "resultId": rid * 10 + driver, "raceId": rid, "driverId": driver, "constructorId": TEAM_OF[driver],
                "number": driver, "grid": race.grid[driver], "position": place if is_classified else None,
                "positionText": str(place) if is_classified else "R", "positionOrder": place,
                "points": round_points[driver], "laps": 50 if is_classified else 20, "time": None,
                "milliseconds": None, "fastestLap": None, "rank": None, "fastestLapTime": None,
                "fastestLapSpeed": None, "statusId": FINISHED if is_classified else RETIRED,
            })  # fmt: skip
        if race.classified:
            driver_wins[race.classified[0]] += 1
            team_wins[TEAM_OF[race.classified[0]]] += 1
        for driver, points in round_points.items():
            driver_points[driver] += points
        for team in TEAMS:
            scored = sum(round_points[d] for d in DRIVERS if TEAM_OF[d] == team)
            team_points[team] += scored
            tables["constructor_results"].append({"constructorResultsId": rid * 10 + team, "raceId": rid,
                                                  "constructorId": team, "points": scored, "status": None})  # fmt: skip
        for rank, driver in enumerate(sorted(DRIVERS, key=lambda d: (-driver_points[d], d)), start=1):
            tables["driver_standings"].append({"driverStandingsId": rid * 10 + driver, "raceId": rid,
                                               "driverId": driver, "points": driver_points[driver], "position": rank,
                                               "positionText": str(rank), "wins": driver_wins[driver]})  # fmt: skip
        for rank, team in enumerate(sorted(TEAMS, key=lambda t: (-team_points[t], t)), start=1):
            tables["constructor_standings"].append({"constructorStandingsId": rid * 10 + team, "raceId": rid,
                                                    "constructorId": team, "points": team_points[team],
                                                    "position": rank, "positionText": str(rank),
                                                    "wins": team_wins[team]})  # fmt: skip
    return tables


def write_csvs(directory, races: list[Race]) -> None:
    """One NAME.csv per raw table, headers as the real files, nulls as \\N."""
    tables = rows_by_table(races)
    for table in TABLES:
        headers = [column.header for column in table.columns]
        with open(directory / table.file_name, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(headers)
            for row in tables[table.name]:
                writer.writerow(["\\N" if row.get(h) is None else row[h] for h in headers])
