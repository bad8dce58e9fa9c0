"""Exports other than the shipped one, written from the shipped files by rules, for the end-to-end tests: the
shipped files as DuckDB reads them, the writer of old-style files, and an export that corrects old races."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
from conftest import PROJECT_DIR

from f1ml.raw.tables import TABLES

SHIPPED = PROJECT_DIR / "data" / "formula1"


def shipped(name: str) -> str:
    """A shipped file as DuckDB reads it: every column text, `\\N` as null."""
    path = SHIPPED / f"{name}.csv.gz"
    return f"read_csv('{path}', header = true, nullstr = '\\N', all_varchar = true)"


def write_tables(con, directory, selects: dict[str, str], skip=()) -> None:
    """Each raw table's file, the way old exports were written (unquoted, `\\N`): its query in `selects`, or
    the whole shipped file."""
    for table in TABLES:
        if table.name not in skip:
            query = selects.get(table.name, f"select * from {shipped(table.name)}")
            con.execute(f"copy ({query}) to '{directory / table.file_name}' (header, nullstr '\\N')")


# --- An export that corrects old races -----------------------------------------------------------------------

# How far back each correction reaches, in seasons before the latest season with results.
DISQUALIFIED_SEASONS_BACK, REGAPPED_SEASONS_BACK, DELETED_SEASONS_BACK = 10, 5, 3
GAP = r"\+[0-9:.]+"  # a gap to the winner as published: +5.478, +1:27.156


@dataclass(frozen=True)
class Corrections:
    """What write_corrected_export changed in results.csv, by result_id."""

    disqualified: int  # the winner of an old race, disqualified: status, position and points change
    race: int  # that race: every other car's place in the list moves up one
    reordered: frozenset[int]  # the other results of that race
    regapped: frozenset[int]  # every gap string of an old season, published in a new format
    deleted: int  # a result deleted upstream
    races: frozenset[int]  # every race those rows belong to

    @property
    def changed(self) -> frozenset[int]:
        return self.reordered | self.regapped | {self.disqualified}


def write_corrected_export(directory: Path) -> Corrections:
    """The shipped files, with results.csv corrected as a newer export would: the winner of the last race of the
    season DISQUALIFIED_SEASONS_BACK before the latest is disqualified (the cars behind move up), every gap
    string of the season REGAPPED_SEASONS_BACK before it gains a unit ("+5.478" -> "+5.478s"), and the latest
    result of a car with no laps and no pit stops, DELETED_SEASONS_BACK seasons back or earlier, is deleted.
    The other files are copied as shipped. Which rows change follows from the data, not from ids written here."""
    con = duckdb.connect()
    con.execute(f"create table races as select * from {shipped('races')}")
    con.execute(f"create table results as select * from {shipped('results')}")
    latest = con.sql("select max(year::int) from races where raceId in (select raceId from results)").fetchall()[0][0]
    [(race,)] = con.sql(
        "select raceId from races where raceId in (select raceId from results) "
        f"and year::int = {latest - DISQUALIFIED_SEASONS_BACK} order by round::int desc limit 1"
    ).fetchall()
    [(winner,)] = con.sql(f"select resultId from results where raceId = '{race}' and position = '1'").fetchall()
    [(disqualified_status,)] = con.sql(
        f"select statusId from {shipped('status')} where status = 'Disqualified'"
    ).fetchall()
    regapped_season = f"raceId in (select raceId from races where year::int = {latest - REGAPPED_SEASONS_BACK})"
    [(deleted, deleted_race)] = con.sql(
        "select resultId, raceId from results "
        f"where raceId in (select raceId from races where year::int <= {latest - DELETED_SEASONS_BACK}) "
        f"and raceId <> '{race}' and not {regapped_season} and not exists ("
        f"select 1 from {shipped('lap_times')} l where l.raceId = results.raceId and l.driverId = results.driverId"
        f") and not exists (select 1 from {shipped('pit_stops')} p "
        "where p.raceId = results.raceId and p.driverId = results.driverId) "
        "order by resultId::int desc limit 1"
    ).fetchall()
    reordered = ids(con, f"raceId = '{race}' and resultId <> '{winner}'")
    regapped = ids(con, f"{regapped_season} and regexp_full_match(time, '{GAP}')")

    entrants = len(reordered) + 1
    con.execute(
        f"""update results set
            position = null, positionText = 'D', points = '0', statusId = '{disqualified_status}',
            positionOrder = '{entrants}'
        where resultId = '{winner}'"""
    )
    con.execute(
        f"""update results set
            position = case when position is not null then (position::int - 1)::varchar end,
            positionText = case when regexp_full_match(positionText, '[0-9]+')
                then (positionText::int - 1)::varchar else positionText end,
            positionOrder = (positionOrder::int - 1)::varchar
        where raceId = '{race}' and resultId <> '{winner}'"""
    )
    con.execute(f"update results set time = time || 's' where {regapped_season} and regexp_full_match(time, '{GAP}')")
    con.execute(f"delete from results where resultId = '{deleted}'")
    for table in TABLES:  # the other files as shipped, byte for byte: only results.csv differs
        if table.name != "results":
            shutil.copy(SHIPPED / f"{table.file_name}.gz", directory)
    con.execute(f"copy results to '{directory / 'results.csv'}' (header, nullstr '\\N')")

    return Corrections(
        disqualified=int(winner),
        race=int(race),
        reordered=frozenset(reordered),
        regapped=frozenset(regapped),
        deleted=int(deleted),
        races=frozenset({int(race), int(deleted_race)} | _races_of(con, regapped)),
    )


def ids(con, where: str) -> set[int]:
    return {int(result_id) for (result_id,) in con.sql(f"select resultId from results where {where}").fetchall()}


def _races_of(con, result_ids: set[int]) -> set[int]:
    if not result_ids:
        return set()
    listed = ", ".join(f"'{result_id}'" for result_id in result_ids)
    return {int(r) for (r,) in con.sql(f"select distinct raceId from results where resultId in ({listed})").fetchall()}
