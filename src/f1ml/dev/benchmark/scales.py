"""One scale k of the benchmark: its data (generated once, then reused), then each step in its own process on a
fresh DuckDB file, then the build's slowest nodes run again alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from f1ml import PROJECT_DIR
from f1ml.dev import scaled_data
from f1ml.dev.benchmark.checks import project_checks
from f1ml.dev.benchmark.measure import Step, portable, run_measured
from f1ml.raw import tables

STEPS = ("load", "parse", "build", "predict")
# Also measured, after those: the scheduled job (refresh_and_predict) at every scale, and at k=1 a replay of the
# shipped season's last REPLAY_WEEKS race weeks (f1-replay-season: a retrain, then each week a load and the
# scheduled job on Saturday and again on Sunday).
EXTRA_STEPS = ("scheduled", "replay")
REPLAY_SEASON, REPLAY_WEEKS = 2024, 3
# The dbt tests bounding rounds per season (<= 30) cannot hold on scaled data (k replicas of a weekend are
# k rounds): this var, once the models read it, lifts the bound to what the scale needs.
ROUNDS_VAR = "max_rounds_per_season"
# Node types the alone step runs again: unit tests are left out (their time is dbt building fixtures).
ALONE_TYPES = ("model", "test", "seed")


@dataclass
class Scale:
    k: int
    data_dir: str
    rows: dict[str, int] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    checks: list[dict] | None = None  # project_checks of the manifest the steps parsed (not written to results)

    def seconds(self, step: str) -> float | None:
        found = self.steps.get(step)
        return found.seconds if found and found.ok else None

    def peak_mib(self) -> float | None:
        """Peak of the pipeline steps (load, parse, build, predict); generation is data preparation."""
        peaks = [s.peak_rss_mib for name, s in self.steps.items() if name in STEPS and s.peak_rss_mib is not None]
        return max(peaks) if peaks else None


def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for module in (scaled_data, tables):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def prepare_data(k: int, seed: int, work: Path, env: dict, regenerate: bool) -> tuple[Path, Step]:
    data = work / "data" / f"k{k}-seed{seed}"
    stamp_path = data / ".generated.json"
    wanted = {"k": k, "seed": seed, "generator": _generator_fingerprint()}
    if not regenerate and stamp_path.is_file():
        stamp = json.loads(stamp_path.read_text())
        if {key: stamp.get(key) for key in wanted} == wanted:
            print(f"  {'generate':<16} reusing {data} (generated in {stamp['seconds']:.1f}s)", flush=True)
            cached = Step("generate", stamp["seconds"], stamp.get("peak_rss_mib"), 0, stamp.get("log"), cached=True)
            return data, cached
    stamp_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "f1ml.dev.generate_scaled_data", "--scale", str(k), "--seed", str(seed)]
    log = work / "data" / f"k{k}-seed{seed}.log"
    step = run_measured("generate", [*command, "--out", str(data)], env, log, work)
    if step.ok:
        stamp_path.write_text(json.dumps({**wanted, "seconds": step.seconds, "peak_rss_mib": step.peak_rss_mib,
                                          "log": step.log}))  # fmt: skip
    return data, step


def run_scale(k: int, args, work: Path) -> Scale:
    print(f"\n== k={k}", flush=True)
    env = {
        **os.environ,
        "DBT_TARGET": "duckdb",
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(PROJECT_DIR)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",  # no network calls inside the measurements
        "PYTHONUNBUFFERED": "1",
    }
    data, generated = prepare_data(k, args.seed, work, env, args.regenerate)
    scale = Scale(k, portable(data, work), steps={"generate": generated})
    if not generated.ok:
        return scale

    run_dir = work / f"k{k}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    database, registry, logs = run_dir / "f1.duckdb", run_dir / "model_registry", run_dir / "logs"
    env["F1_DUCKDB_PATH"] = str(database)
    dbt_vars = {"model_registry_dir": str(registry), ROUNDS_VAR: 30 * k, **args.dbt_vars}
    dbt = [str(Path(sys.executable).parent / "dbt")]
    dbt_flags = ["--target-path", str(run_dir / "target"), "--log-path", str(logs), "--vars", json.dumps(dbt_vars),
                 "--no-use-colors"]  # fmt: skip
    commands = {
        "load": [sys.executable, "-m", "f1ml.load_raw", "--source", str(data), "--database", str(database)],
        "parse": [*dbt, "parse", *dbt_flags],
        "build": [*dbt, "build", "--selector", "retrain", *dbt_flags],
        "predict": [*dbt, "build", "--selector", "predict", *dbt_flags],
    }
    run_results = run_dir / "target" / "run_results.json"
    for name in STEPS:
        if name in args.steps:
            scale.steps[name] = step = run_measured(name, commands[name], env, logs / f"{name}.log", work)
            if name in ("build", "predict") and run_results.is_file():
                record_nodes(step, json.loads(run_results.read_text()))
                shutil.copy(run_results, logs / f"{name}_run_results.json")
    if "scheduled" in args.steps and scale.seconds("build") is not None:
        command = [*dbt, "build", "--selector", "refresh_and_predict", *dbt_flags]
        scale.steps["scheduled"] = step = run_measured("scheduled", command, env, logs / "scheduled.log", work)
        if run_results.is_file():
            record_nodes(step, json.loads(run_results.read_text()))
    if "replay" in args.steps and k == 1:
        first = 25 - REPLAY_WEEKS  # the shipped 2024 has 24 rounds
        command = [sys.executable, "-m", "f1ml.dev.replay_season", str(REPLAY_SEASON), "--first-round", str(first),
                   "--work-dir", str(run_dir / "replay"), "--source", str(data)]  # fmt: skip
        scale.steps["replay"] = run_measured("replay", command, env, logs / "replay.log", work)
    build = logs / "build_run_results.json"
    if args.alone and "build" in scale.steps and scale.steps["build"].ok and build.is_file():
        inside = slowest_nodes(json.loads(build.read_text()), args.alone)
        command = [*dbt, *alone_arguments(inside), *dbt_flags]
        scale.steps["alone"] = step = run_measured("alone", command, env, logs / "alone.log", work)
        if run_results.is_file():
            record_nodes(step, json.loads(run_results.read_text()))
            step.inside_and_alone = inside_and_alone(inside, json.loads(run_results.read_text()))
    manifest = run_dir / "target" / "manifest.json"
    if manifest.is_file():
        scale.checks = project_checks(json.loads(manifest.read_text()))
    if database.is_file():
        try:
            with duckdb.connect(str(database), read_only=True) as con:
                for table in ("lap_times", "results"):
                    scale.rows[table] = con.execute(f"SELECT count(*) FROM raw.{table}").fetchall()[0][0]
        except duckdb.Error as exc:
            print(f"  cannot count rows in {database}: {exc}", flush=True)
    if args.clean:
        shutil.rmtree(run_dir, ignore_errors=True)
    return scale


def record_nodes(step: Step, run_results: dict) -> None:
    """The nodes a dbt command ran, by resource type; its five longest; its time running nodes."""
    results = run_results["results"]
    for r in results:
        kind = r["unique_id"].split(".")[0]
        step.nodes[kind] = step.nodes.get(kind, 0) + 1
    longest = sorted(results, key=lambda r: -r["execution_time"])[:5]
    step.slowest = [[r["unique_id"].split(".")[2], round(r["execution_time"], 1)] for r in longest]
    step.node_seconds = round(run_results["elapsed_time"], 2)


def slowest_nodes(run_results: dict, count: int) -> dict[str, float]:
    """The `count` slowest models, data tests and seeds of a dbt command: {name: seconds}, slowest first."""
    results = [r for r in run_results["results"] if r["unique_id"].split(".")[0] in ALONE_TYPES]
    longest = sorted(results, key=lambda r: -r["execution_time"])[:count]
    return {r["unique_id"].split(".")[2]: r["execution_time"] for r in longest}


def alone_arguments(nodes: dict[str, float]) -> list[str]:
    """dbt arguments running exactly these nodes, one at a time, on the database the build made: each has the
    machine to itself (DuckDB's own threads included) instead of sharing it with the build's other nodes."""
    return ["build", "--select", *nodes, "--indirect-selection", "empty", "--threads", "1"]


def inside_and_alone(inside: dict[str, float], alone_run_results: dict) -> list[list]:
    """[[node, seconds inside the build, seconds alone], ...] in the build's order, slowest first."""
    alone = {r["unique_id"].split(".")[2]: r["execution_time"] for r in alone_run_results["results"]}
    return [[node, round(seconds, 1), round(alone[node], 1) if node in alone else None] for node, seconds in
            inside.items()]  # fmt: skip
