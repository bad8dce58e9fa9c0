"""Exports as a race week sees them: the data as of Saturday evening or Sunday evening of one race.

    saturday: everything before the race, and the race's qualifying (and sprint): the race is upcoming
    sunday:   the same with the race's results, laps, pit stops and standings: the race has run

Written from a folder of the 14 raw files (the shipped data by default), in the layout f1-load-raw reads. The
season's calendar (races.csv) is complete, as in a real export published mid-season; later seasons are left out.
"""

from pathlib import Path

import duckdb

from f1ml import PROJECT_DIR
from f1ml.raw.tables import TABLES

SHIPPED = PROJECT_DIR / "data" / "formula1"
# Published after the race: cut at the race itself on Saturday, included on Sunday.
AFTER_THE_RACE = ["results", "lap_times", "pit_stops", "driver_standings", "constructor_standings",
                  "constructor_results"]  # fmt: skip
# Published before the race (qualifying on Saturday, a sprint on Saturday too).
BEFORE_THE_RACE = ["qualifying", "sprint_results"]
DAYS = ("saturday", "sunday")


def source_file(source: Path, name: str) -> Path | None:
    for candidate in (source / f"{name}.csv", source / f"{name}.csv.gz"):
        if candidate.exists():
            return candidate
    return None


def read(source: Path, name: str) -> str:
    """A raw file as DuckDB reads it: every column text, `\\N` as null."""
    return f"read_csv('{source_file(source, name)}', header = true, nullstr = '\\N', all_varchar = true)"


def race_of(source: Path, season: int, round_number: int) -> dict:
    """The race of a season's round: its id, date and name."""
    with duckdb.connect() as con:
        rows = con.sql(
            f"select raceId, date, name from {read(source, 'races')} "
            f"where year::int = {season} and round::int = {round_number}"
        ).fetchall()
    if not rows:
        raise ValueError(f"{source_file(source, 'races')} has no round {round_number} of {season}")
    race_id, date, name = rows[0]
    return {"race_id": int(race_id), "date": date, "name": name, "season": season, "round": round_number}


def rounds_of(source: Path, season: int) -> list[int]:
    with duckdb.connect() as con:
        rows = con.sql(
            f"select distinct round::int from {read(source, 'races')} races where year::int = {season} "
            f"and raceId in (select raceId from {read(source, 'results')}) order by 1"
        ).fetchall()
    return [row[0] for row in rows]


def write_export(out: Path, season: int, round_number: int, day: str, source: Path = SHIPPED) -> dict:
    """The 14 files as of `day` evening of the race; returns the race."""
    if day not in DAYS:
        raise ValueError(f"day must be one of {', '.join(DAYS)}, got {day!r}")
    race = race_of(source, season, round_number)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"create table races as select * from {read(source, 'races')} where year::int <= {season}")
        cut = "<" if day == "saturday" else "<="
        selects = {
            "races": "select * from races",
            "seasons": f"select * from {read(source, 'seasons')} where year::int <= {season}",
        }
        for name in AFTER_THE_RACE + BEFORE_THE_RACE:
            if source_file(source, name) is None:
                continue
            through = "<=" if name in BEFORE_THE_RACE else cut
            selects[name] = (
                f"select * from {read(source, name)} where raceId in "
                f"(select raceId from races where date::date {through} '{race['date']}'::date)"
            )
        for table in TABLES:
            if source_file(source, table.name) is None:
                continue
            query = selects.get(table.name, f"select * from {read(source, table.name)}")
            target = out / table.file_name
            target.unlink(missing_ok=True)
            con.execute(f"copy ({query}) to '{target}' (header, nullstr '\\N')")
    return race
