"""The 14 raw tables: names, column types and the CSV header each column comes from.

Names and types follow the Snowflake setup script (setup/01_raw_load.sql), one deviation aside:
points are FLOAT, not NUMBER(38,0), because half points exist (e.g. 4.5 in shortened races) and an
integer column would round them. tests/python/test_setup_sql.py and test_raw_contract.py check that the setup
SQL and models/staging/_sources.yml stay in step with this list.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str  # column in schema raw (snake_case)
    header: str  # CSV header in the Ergast/Kaggle files (camelCase)
    type: str  # one of INTEGER, FLOAT, VARCHAR, DATE: mapped per engine by the loader / setup SQL
    # May be absent, loaded as null: from the header (older vintages) or from the end of a row (newer exports
    # end a row after its last non-empty field). Only columns that are null by nature for many rows.
    optional: bool = False


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


INT, F, V, D = "INTEGER", "FLOAT", "VARCHAR", "DATE"

TABLES: tuple[Table, ...] = (
    Table(
        "circuits",
        _cols(
            ("circuit_id", "circuitId", INT),
            ("circuit_ref", "circuitRef", V),
            ("name", "name", V),
            ("location", "location", V),
            ("country", "country", V),
            ("lat", "lat", F),
            ("lng", "lng", F),
            ("alt", "alt", INT),
            ("url", "url", V),
        ),
        key=("circuit_id",),
    ),
    Table(
        "constructor_results",
        _cols(
            ("constructor_results_id", "constructorResultsId", INT),
            ("race_id", "raceId", INT),
            ("constructor_id", "constructorId", INT),
            ("points", "points", F),
            ("status", "status", V, True),  # D for a disqualification, else empty
        ),
        key=("constructor_results_id",),
    ),
    Table(
        "constructor_standings",
        _cols(
            ("constructor_standings_id", "constructorStandingsId", INT),
            ("race_id", "raceId", INT),
            ("constructor_id", "constructorId", INT),
            ("points", "points", F),
            ("position", "position", F),
            ("position_text", "positionText", V),
            ("wins", "wins", INT),
        ),
        key=("constructor_standings_id",),
    ),
    Table(
        "constructors",
        _cols(
            ("constructor_id", "constructorId", INT),
            ("constructor_ref", "constructorRef", V),
            ("name", "name", V),
            ("nationality", "nationality", V),
            ("url", "url", V),
        ),
        key=("constructor_id",),
    ),
    Table(
        "driver_standings",
        _cols(
            ("driver_standings_id", "driverStandingsId", INT),
            ("race_id", "raceId", INT),
            ("driver_id", "driverId", INT),
            ("points", "points", F),
            ("position", "position", F),
            ("position_text", "positionText", V),
            ("wins", "wins", INT),
        ),
        key=("driver_standings_id",),
    ),
    Table(
        "drivers",
        _cols(
            ("driver_id", "driverId", INT),
            ("driver_ref", "driverRef", V),
            ("number", "number", V),
            ("code", "code", V),
            ("forename", "forename", V),
            ("surname", "surname", V),
            ("dob", "dob", D),
            ("nationality", "nationality", V),
            ("url", "url", V),
        ),
        key=("driver_id",),
    ),
    Table(
        "lap_times",
        _cols(
            ("race_id", "raceId", INT),
            ("driver_id", "driverId", INT),
            ("lap", "lap", INT),
            ("position", "position", F),
            ("time", "time", V),
            ("milliseconds", "milliseconds", INT),
        ),
        key=("race_id", "driver_id", "lap"),
    ),
    Table(
        "pit_stops",
        _cols(
            ("race_id", "raceId", INT),
            ("driver_id", "driverId", INT),
            ("stop", "stop", INT),
            ("lap", "lap", INT),
            ("time", "time", V),
            ("duration", "duration", V),
            ("milliseconds", "milliseconds", INT),
        ),
        key=("race_id", "driver_id", "stop"),
    ),
    Table(
        "qualifying",
        _cols(
            ("qualifying_id", "qualifyId", INT),
            ("race_id", "raceId", INT),
            ("driver_id", "driverId", INT),
            ("constructor_id", "constructorId", INT),
            ("number", "number", INT),
            ("position", "position", F),
            # Empty for drivers who set no time in the session (q2, q3: those knocked out before it).
            ("q1", "q1", V, True),
            ("q2", "q2", V, True),
            ("q3", "q3", V, True),
        ),
        key=("qualifying_id",),
    ),
    Table(
        "races",
        _cols(
            ("race_id", "raceId", INT),
            ("year", "year", INT),
            ("round", "round", INT),
            ("circuit_id", "circuitId", INT),
            ("name", "name", V),
            ("date", "date", D),
            ("time", "time", V),
            ("url", "url", V),
            # Session dates and times arrived in 2021 vintages; 2020 files have 8 columns, and the 2025 export
            # ends the rows of its newest season after url.
            ("fp1_date", "fp1_date", V, True),
            ("fp1_time", "fp1_time", V, True),
            ("fp2_date", "fp2_date", V, True),
            ("fp2_time", "fp2_time", V, True),
            ("fp3_date", "fp3_date", V, True),
            ("fp3_time", "fp3_time", V, True),
            ("quali_date", "quali_date", V, True),
            ("quali_time", "quali_time", V, True),
            ("sprint_date", "sprint_date", V, True),
            ("sprint_time", "sprint_time", V, True),
        ),
        key=("race_id",),
    ),
    Table(
        "results",
        _cols(
            ("result_id", "resultId", INT),
            ("race_id", "raceId", INT),
            ("driver_id", "driverId", INT),
            ("constructor_id", "constructorId", INT),
            ("number", "number", INT),
            ("grid", "grid", INT),
            ("position", "position", F),
            ("position_text", "positionText", V),
            ("position_order", "positionOrder", INT),
            ("points", "points", F),
            ("laps", "laps", INT),
            ("time", "time", V),
            ("milliseconds", "milliseconds", INT),
            ("fastest_lap", "fastestLap", INT),
            ("rank", "rank", INT),
            ("fastest_lap_time", "fastestLapTime", V),
            ("fastest_lap_speed", "fastestLapSpeed", F),
            ("status_id", "statusId", INT),
        ),
        key=("result_id",),
    ),
    Table("seasons", _cols(("year", "year", INT), ("url", "url", V)), key=("year",)),
    Table(
        "sprint_results",
        _cols(
            ("result_id", "resultId", INT),
            ("race_id", "raceId", INT),
            ("driver_id", "driverId", INT),
            ("constructor_id", "constructorId", INT),
            ("number", "number", INT),
            ("grid", "grid", INT),
            ("position", "position", F),
            ("position_text", "positionText", V),
            ("position_order", "positionOrder", INT),
            ("points", "points", F),
            ("laps", "laps", INT),
            ("time", "time", V),
            ("milliseconds", "milliseconds", INT),
            ("fastest_lap", "fastestLap", V),
            ("fastest_lap_time", "fastestLapTime", V),
            ("status_id", "statusId", INT),
        ),
        key=("result_id",),
        optional_file=True,
    ),
    Table("status", _cols(("status_id", "statusId", INT), ("status", "status", V)), key=("status_id",)),
)

TABLES_BY_NAME = {table.name: table for table in TABLES}
