"""The 14 raw tables: names, column types and the CSV header each column comes from.

Names and types follow the Snowflake setup script (setup/01_raw_load.sql), one deviation aside:
points are FLOAT, not NUMBER(38,0), because half points exist (e.g. 4.5 in shortened races) and an
integer column would round them. tests/python/test_raw_tables.py checks the two stay in step.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str  # column in schema raw (snake_case)
    header: str  # CSV header in the Ergast/Kaggle files (camelCase)
    type: str  # one of INTEGER, FLOAT, VARCHAR, DATE: mapped per engine by the loader / setup SQL
    optional: bool = False  # older vintages may lack it; loaded as null when absent


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural primary key, checked by sources tests
    optional_file: bool = False  # older vintages lack the whole file (sprint_results before 2021)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


I, F, V, D = "INTEGER", "FLOAT", "VARCHAR", "DATE"

# fmt: off  (one table per block reads better than one column per line)
TABLES: tuple[Table, ...] = (
    Table("circuits", _cols(
        ("circuit_id", "circuitId", I), ("circuit_ref", "circuitRef", V), ("name", "name", V),
        ("location", "location", V), ("country", "country", V), ("lat", "lat", F), ("lng", "lng", F),
        ("alt", "alt", I), ("url", "url", V),
    ), key=("circuit_id",)),
    Table("constructor_results", _cols(
        ("constructor_results_id", "constructorResultsId", I), ("race_id", "raceId", I),
        ("constructor_id", "constructorId", I), ("points", "points", F), ("status", "status", V),
    ), key=("constructor_results_id",)),
    Table("constructor_standings", _cols(
        ("constructor_standings_id", "constructorStandingsId", I), ("race_id", "raceId", I),
        ("constructor_id", "constructorId", I), ("points", "points", F), ("position", "position", F),
        ("position_text", "positionText", V), ("wins", "wins", I),
    ), key=("constructor_standings_id",)),
    Table("constructors", _cols(
        ("constructor_id", "constructorId", I), ("constructor_ref", "constructorRef", V), ("name", "name", V),
        ("nationality", "nationality", V), ("url", "url", V),
    ), key=("constructor_id",)),
    Table("driver_standings", _cols(
        ("driver_standings_id", "driverStandingsId", I), ("race_id", "raceId", I), ("driver_id", "driverId", I),
        ("points", "points", F), ("position", "position", F), ("position_text", "positionText", V),
        ("wins", "wins", I),
    ), key=("driver_standings_id",)),
    Table("drivers", _cols(
        ("driver_id", "driverId", I), ("driver_ref", "driverRef", V), ("number", "number", V),
        ("code", "code", V), ("forename", "forename", V), ("surname", "surname", V), ("dob", "dob", D),
        ("nationality", "nationality", V), ("url", "url", V),
    ), key=("driver_id",)),
    Table("lap_times", _cols(
        ("race_id", "raceId", I), ("driver_id", "driverId", I), ("lap", "lap", I), ("position", "position", F),
        ("time", "time", V), ("milliseconds", "milliseconds", I),
    ), key=("race_id", "driver_id", "lap")),
    Table("pit_stops", _cols(
        ("race_id", "raceId", I), ("driver_id", "driverId", I), ("stop", "stop", I), ("lap", "lap", I),
        ("time", "time", V), ("duration", "duration", V), ("milliseconds", "milliseconds", I),
    ), key=("race_id", "driver_id", "stop")),
    Table("qualifying", _cols(
        ("qualifying_id", "qualifyId", I), ("race_id", "raceId", I), ("driver_id", "driverId", I),
        ("constructor_id", "constructorId", I), ("number", "number", I), ("position", "position", F),
        ("q1", "q1", V), ("q2", "q2", V), ("q3", "q3", V),
    ), key=("qualifying_id",)),
    Table("races", _cols(
        ("race_id", "raceId", I), ("year", "year", I), ("round", "round", I), ("circuit_id", "circuitId", I),
        ("name", "name", V), ("date", "date", D), ("time", "time", V), ("url", "url", V),
        # Session dates and times arrived in 2021 vintages; 2020 files have 8 columns.
        ("fp1_date", "fp1_date", V, True), ("fp1_time", "fp1_time", V, True),
        ("fp2_date", "fp2_date", V, True), ("fp2_time", "fp2_time", V, True),
        ("fp3_date", "fp3_date", V, True), ("fp3_time", "fp3_time", V, True),
        ("quali_date", "quali_date", V, True), ("quali_time", "quali_time", V, True),
        ("sprint_date", "sprint_date", V, True), ("sprint_time", "sprint_time", V, True),
    ), key=("race_id",)),
    Table("results", _cols(
        ("result_id", "resultId", I), ("race_id", "raceId", I), ("driver_id", "driverId", I),
        ("constructor_id", "constructorId", I), ("number", "number", I), ("grid", "grid", I),
        ("position", "position", F), ("position_text", "positionText", V), ("position_order", "positionOrder", I),
        ("points", "points", F), ("laps", "laps", I), ("time", "time", V), ("milliseconds", "milliseconds", I),
        ("fastest_lap", "fastestLap", I), ("rank", "rank", I), ("fastest_lap_time", "fastestLapTime", V),
        ("fastest_lap_speed", "fastestLapSpeed", F), ("status_id", "statusId", I),
    ), key=("result_id",)),
    Table("seasons", _cols(("year", "year", I), ("url", "url", V)), key=("year",)),
    Table("sprint_results", _cols(
        ("result_id", "resultId", I), ("race_id", "raceId", I), ("driver_id", "driverId", I),
        ("constructor_id", "constructorId", I), ("number", "number", I), ("grid", "grid", I),
        ("position", "position", F), ("position_text", "positionText", V), ("position_order", "positionOrder", I),
        ("points", "points", F), ("laps", "laps", I), ("time", "time", V), ("milliseconds", "milliseconds", I),
        ("fastest_lap", "fastestLap", V), ("fastest_lap_time", "fastestLapTime", V), ("status_id", "statusId", I),
    ), key=("result_id",), optional_file=True),
    Table("status", _cols(("status_id", "statusId", I), ("status", "status", V)), key=("status_id",)),
)
# fmt: on

TABLES_BY_NAME = {table.name: table for table in TABLES}
