"""Replay a season race week by race week, as the scheduled job would have lived it, and print its track record.

    f1-replay-season 2024 [--first-round 1] [--last-round 24] [--work-dir benchmarks/work/replay-2024]

In a work folder of its own (its DuckDB file, model store and exports; the project's database is not
touched): the data as of Saturday evening before the first round is loaded and the retrain job trains the
season's model (on the seasons before it, as the backtest does). Then, race by race: Saturday evening (the
race's qualifying in) is loaded and the scheduled job runs, which forecasts the race and logs the forecast;
Sunday evening (its results in) is loaded and the job runs again, which scores the logged forecast. At the
end the backtest is built on the complete season, and the track record is printed next to the backtest's row
for the season, with what separates them: the forecasts were made from qualifying, the backtest's from the
grid the race started from.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from f1ml import PROJECT_DIR
from f1ml.dev.race_week import SHIPPED, rounds_of, write_export
from f1ml.ml.metrics import scorecard

WORK_DIR = PROJECT_DIR / "benchmarks" / "work"


class Replay:
    """A work folder with its own database and model store, and the jobs run on it."""

    def __init__(self, work_dir: Path, source: Path = SHIPPED, echo=print):
        self.work_dir, self.source, self.echo = work_dir, source, echo
        self.database, self.registry, self.exports = work_dir / "f1.duckdb", work_dir / "registry", work_dir / "exports"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DBT_TARGET", "F1_RAW_SOURCE")},
            "F1_DUCKDB_PATH": str(self.database),
            "DBT_TARGET_PATH": str(work_dir / "target"),
            "DBT_LOG_PATH": str(work_dir / "logs"),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        self.seconds: dict[str, float] = {}

    def run(self, step: str, command: list[str]) -> None:
        started = time.perf_counter()
        result = subprocess.run(command, cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True)
        self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")

    def load(self, season: int, round_number: int, day: str) -> dict:
        race = write_export(self.exports / day, season, round_number, day, self.source)
        self.run("load", [sys.executable, "-m", "f1ml.load_raw", "--source", str(self.exports / day),
                          "--database", str(self.database)])  # fmt: skip
        return race

    def job(self, name: str) -> None:
        variables = json.dumps({"model_registry_dir": str(self.registry)})
        self.run(name, [sys.executable, "-m", "f1ml.run_job", name, "--vars", variables])

    def dbt(self, step: str, *arguments: str) -> None:
        variables = json.dumps({"model_registry_dir": str(self.registry)})
        self.run(step, [sys.executable, "-m", "dbt.cli.main", *arguments, "--vars", variables])

    def connect(self):
        return duckdb.connect(str(self.database), read_only=True)

    def query(self, sql: str) -> list[dict]:
        with self.connect() as con:
            relation = con.sql(sql)
            return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]

    def race_week(self, season: int, round_number: int) -> None:
        race = self.load(season, round_number, "saturday")
        self.job("predict")
        self.load(season, round_number, "sunday")
        self.job("predict")
        [scored] = self.query(
            f"select model_calls_right, grid_rule_calls_right, rows_scored, model_log_loss from main.ml_track_record "
            f"where scope = 'race' and race_id = {race['race_id']}"
        ) or [None]
        if scored is None:
            self.echo(f"round {round_number:>2} {race['name']}: no forecast was logged (no qualifying in the data)")
            return
        self.echo(
            f"round {round_number:>2} {race['name']}: calls right {scored['model_calls_right']} of "
            f"{scored['rows_scored']} (grid rule {scored['grid_rule_calls_right']}), log loss "
            f"{scored['model_log_loss']:.3f}"
        )


ROWS_SHOWN = [
    ("races", "races"), ("rows", "rows_scored"), ("accuracy", "model_accuracy"),
    ("grid rule accuracy", "grid_rule_accuracy"), ("macro F1", "model_macro_f1"),
    ("balanced accuracy", "model_balanced_accuracy"), ("log loss", "model_log_loss"),
    ("frequency log loss", "frequency_log_loss"), ("Brier score", "model_brier_score"),
]  # fmt: skip


def comparison(replay: Replay, season: int) -> str:
    """The track record next to the backtest's row for the season and the backtest on the same races, and what
    separates them."""
    [record] = replay.query("select * from main.ml_track_record where scope = 'version' order by races desc limit 1")
    [backtest] = replay.query(f"select * from main.ml_backtest where scope = 'season' and backtest_season = {season}")
    with replay.connect() as con:
        same_races = con.sql(
            "select * from main.ml_backtest_predictions where race_id in (select race_id from main.ml_track_record "
            f"where scope = 'race' and model_version = '{record['model_version']}')"
        ).df()
    same, _ = scorecard(same_races, seed=0, replicates=0)
    [moved] = replay.query(
        "select count(*) as rows, count(case when log.grid_position != prep.grid_position then 1 end) as moved "
        "from main.ml_forecast_log as log inner join main.ml_data_prep as prep "
        "on log.race_id = prep.race_id and log.driver_id = prep.driver_id"
    )
    lines = [f"{'':<22}{'track record':>14}{'backtest, same races':>22}{f'backtest, {season}':>16}"]
    for label, column in ROWS_SHOWN:
        values = [record[column], same[column], backtest[column]]
        shown = [f"{v:,}" if isinstance(v, int) else f"{v:.3f}" for v in values]
        lines.append(f"{label:<22}{shown[0]:>14}{shown[1]:>22}{shown[2]:>16}")
    lines += [
        "",
        f"The forecasts were made on Saturday evening: {moved['moved']} of {moved['rows']} drivers started from a "
        "grid slot other than their qualifying position (penalties, pit-lane starts), which the backtest knew "
        "and the forecasts could not; the grid rule of the track record is scored on the same Saturday slots. "
        "Entrants who did not start are not scored. The model is the same: trained, as the backtest's, on the "
        "seasons before.",
    ]
    return "\n".join(lines)


def replay_season(season: int, work_dir: Path, first_round: int = 1, last_round: int | None = None,
                  source: Path = SHIPPED, echo=print) -> Replay:  # fmt: skip
    rounds = [r for r in rounds_of(source, season) if r >= first_round and (last_round is None or r <= last_round)]
    if not rounds:
        raise SystemExit(f"no round of {season} with results in {source} between {first_round} and {last_round}")
    replay = Replay(work_dir, source, echo)
    work_dir.mkdir(parents=True, exist_ok=True)
    for stale in (replay.database, replay.database.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    replay.load(season, rounds[0], "saturday")
    replay.job("retrain")
    echo(f"retrained on the data as of Saturday of round {rounds[0]} of {season}")
    for round_number in rounds:
        replay.race_week(season, round_number)
    replay.dbt("backtest", "build", "--select", "tag:backtest")
    return replay


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("season", type=int)
    parser.add_argument("--first-round", type=int, default=1)
    parser.add_argument("--last-round", type=int)
    parser.add_argument("--work-dir", type=Path, help="default: benchmarks/work/replay-SEASON")
    parser.add_argument("--source", type=Path, default=SHIPPED, help="the raw files (default: the shipped data)")
    args = parser.parse_args(argv)
    work_dir = args.work_dir or WORK_DIR / f"replay-{args.season}"
    started = time.perf_counter()
    replay = replay_season(args.season, work_dir, args.first_round, args.last_round, args.source)
    print()
    print(comparison(replay, args.season))
    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in replay.seconds.items())
    print(f"\nReplayed in {time.perf_counter() - started:.0f} s ({steps}); work folder {work_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
