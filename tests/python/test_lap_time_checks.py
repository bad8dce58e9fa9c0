"""The lap-time and pit-stop checks after the integer row keys (docs/decisions.md, "Integer row keys"): a duplicate
lap or stop still fails the check of one row per key, the core table's integer key (decisions 58 and 60 say why
the source, the staging view and the mart are not checked a second time), and a
published text that disagrees with its milliseconds still fails the text test, once per distinct (text,
milliseconds) pair.

The hand-made season (handmade_races.py) gets a few laps and stops, with one duplicate of each and texts that
disagree with their milliseconds. dbt builds the lap-time and pit-stop models from it and runs every test
whose parents are all selected (cautious indirect selection): the source, staging and core checks. `dbt run`
then `dbt test`, because `dbt build` would skip the models after the first failed source test.
"""

import csv
import json
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_DIR, dbt_env
from handmade_races import season, write_csvs

from f1ml.raw.load import load_raw

LAPS = [  # raceId, driverId, lap, position, time, milliseconds
    (101, 1, 1, 1, "1:30.000", 90000),
    (101, 1, 2, 1, "1:29.500", 89500),
    (101, 2, 1, 2, "1:31.000", 91000),
    (101, 1, 2, 1, "1:29.400", 89400),  # the same lap again
    (102, 3, 1, 1, "1:32.000", 90000),  # text and milliseconds disagree ...
    (102, 3, 2, 1, "1:32.000", 90000),  # ... and the same pair on a second lap
]
STOPS = [  # raceId, driverId, stop, lap, time, duration, milliseconds
    (101, 1, 1, 20, "14:30:00", "22.500", 22500),
    (101, 1, 1, 21, "14:32:00", "23.000", 23000),  # the same stop again
    (101, 2, 1, 22, "14:33:00", "25.000", 24000),  # text and milliseconds disagree
]
SELECT = ["source:formula1.lap_times", "source:formula1.pit_stops", "stg_lap_times", "stg_pit_stops",
          "fct_lap_times", "fct_pit_stops"]  # fmt: skip


def append_rows(path, rows) -> None:
    with open(path, "a", newline="") as file:
        csv.writer(file).writerows(rows)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("lap_time_checks")
    (root / "csv").mkdir()
    write_csvs(root / "csv", season())
    append_rows(root / "csv" / "lap_times.csv", LAPS)
    append_rows(root / "csv" / "pit_stops.csv", STOPS)
    report = load_raw(root / "csv", root / "f1.duckdb", progress=None)
    assert report.rows_rejected == 0, report.summary()
    results = {}
    for step in ("run", "test"):
        command = [sys.executable, "-m", "dbt.cli.main", step, "--select", *SELECT, "--indirect-selection", "cautious"]
        done = subprocess.run(command, cwd=PROJECT_DIR, env=dbt_env(root), capture_output=True, text=True)
        for r in json.loads((root / "target" / "run_results.json").read_text())["results"]:
            results[r["unique_id"].split(".")[2]] = r
    return root, done, results


def failed_tests(results: dict) -> dict[str, int]:
    return {name: r["failures"] for name, r in results.items() if r["status"] == "fail"}


def test_a_duplicate_key_and_a_wrong_text_fail_exactly_their_checks(built):
    _, test_step, results = built
    assert test_step.returncode == 1, test_step.stdout[-3000:]
    assert {r["status"] for r in results.values()} == {"success", "pass", "fail"}, test_step.stdout[-3000:]
    failed = failed_tests(results)
    assert {name for name in failed if "lap_time" in name} == {
        "unique_fct_lap_times_lap_time_id",
        "assert_lap_time_text_matches_milliseconds",
    }
    assert {name for name in failed if "pit_stop" in name} == {
        "unique_fct_pit_stops_pit_stop_id",
        "assert_pit_stop_duration_text_matches_milliseconds",
    }
    assert len(failed) == 4, failed
    # One failure per distinct (text, milliseconds) pair, not per lap: the wrong pair is on two laps.
    assert failed["assert_lap_time_text_matches_milliseconds"] == 1
    assert failed["assert_pit_stop_duration_text_matches_milliseconds"] == 1


def test_the_row_keys_are_integers_of_race_driver_and_lap_or_stop(built):
    root, _, _ = built
    with duckdb.connect(str(root / "f1.duckdb"), read_only=True) as con:
        types = dict(con.execute(
            "select table_name, data_type from information_schema.columns "
            "where column_name in ('lap_time_id', 'pit_stop_id') and table_name like 'fct_%'"
        ).fetchall())  # fmt: skip
        laps = con.execute("select lap_time_id, race_id, driver_id, lap from main.fct_lap_times").fetchall()
        stops = con.execute("select pit_stop_id, race_id, driver_id, stop from main.fct_pit_stops").fetchall()
    assert types == {"fct_lap_times": "BIGINT", "fct_pit_stops": "BIGINT"}
    assert len(laps) == len(LAPS) and len(stops) == len(STOPS)
    for key, race, driver, number in laps + stops:
        assert key == race * 10**9 + driver * 10**3 + number
