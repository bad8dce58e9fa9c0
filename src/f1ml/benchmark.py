"""Benchmark the pipeline at several data scales: load, dbt parse, full build, predict-only; time and peak memory.

    scripts/benchmark                     # scales 1 and 10
    scripts/benchmark --with-100          # scales 1, 10 and 100 (what docs/performance.md shows)
    scripts/benchmark --scales 1,3        # any scales
    scripts/benchmark --steps load,parse  # a subset of the steps (load, parse, build, predict)

Per scale k: the shipped data scaled k times (f1-generate-scaled-data, plain CSV; kept in
benchmarks/work/data/k<K>-seed<SEED> and reused while the generator and seed are the same), then in a fresh
directory benchmarks/work/k<K>/ (own DuckDB file, model registry, dbt target and log paths, so nothing touches
the project's own state), each step as its own process:

    load     f1-load-raw --source DATA --database benchmarks/work/k<K>/f1.duckdb
    parse    dbt parse                      (fresh target path: a full parse)
    build    dbt build --selector retrain   (every model and test: the retrain job)
    predict  dbt build --selector predict   (the minimal inference-only job, tag:predict, cautious indirect
                                             selection; on the model the build registered)

Each step's wall time, the load average when it started, and its peak memory: the RSS of the step's process and
all its children, summed, polled every 50 ms (psutil), and never less than the kernel's peak RSS of its largest
process (wait4).

Checks: the data tests and not_null constraints of the parsed project, compared with
benchmarks/checks_baseline.json (the data tests of main before the contracts, docs/decisions.md 27-28): every
check there must still be enforced, by the same test, a not_null constraint, or the same check on the core table
that holds every row of a staging view. `--write-checks-baseline COMMIT` writes that file from a dbt parse of COMMIT.

Writes benchmarks/results.json and docs/performance.md (paths inside them relative to the project), prints the
ratios and checks the targets (PASS/FAIL lines; a failed target or step does not fail the command, only bad
arguments do): k=1 full build / (load + parse) <= 2.0; k=1 predict-only <= 0.30 x full build; k=100 peak memory
<= 4 GiB with every node passing; no check lost. Step logs: benchmarks/work/k<K>/logs/<step>.log.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import psutil

from f1ml import PROJECT_DIR, write_generated_section

ROOT = PROJECT_DIR
README, DEFAULT_REPORT = ROOT / "README.md", ROOT / "docs" / "performance.md"

STEPS = ("load", "parse", "build", "predict")
SEED = 42
POLL_SECONDS = 0.05
MIB = 1024 * 1024
# Targets: docs/performance.md.
K1_BUILD_OVER_LOAD_PARSE = 2.0
K1_PREDICT_SHARE = 0.30
K100_PEAK_MIB = 4096.0
CHECKS_BASELINE = ROOT / "benchmarks" / "checks_baseline.json"
# The dbt tests bounding rounds per season (<= 30) cannot hold on scaled data (k replicas of a weekend are
# k rounds): this var, once the models read it, lifts the bound to what the scale needs. Unused vars are
# ignored by dbt.
ROUNDS_VAR = "max_rounds_per_season"


@dataclass
class Step:
    name: str
    seconds: float | None = None
    peak_rss_mib: float | None = None
    exit_code: int | None = None
    log: str | None = None
    summary: str | None = None  # dbt's "Done. PASS=..." line, or the loader's total line
    failures: list[str] = field(default_factory=list)  # dbt nodes reported as failed or in error
    cached: bool = False  # generate only: data of an earlier run reused
    load_average: list[float] | None = None  # 1, 5 and 15 minutes, when the step started
    nodes: dict[str, int] = field(default_factory=dict)  # dbt steps: nodes run, by resource type
    node_seconds: float | None = None  # dbt steps: the time dbt spent running nodes (run_results elapsed_time)
    slowest: list[list] = field(default_factory=list)  # dbt steps: [[node, seconds], ...] the five longest

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


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


WORK_DIR = ROOT / "benchmarks" / "work"  # --work-dir


def portable(path: Path | str) -> str:
    """A path as the results record it: relative to the project, else to the work directory; never absolute."""
    path = Path(path)
    for base, prefix in ((ROOT, "."), (WORK_DIR, "<work-dir>")):
        with contextlib.suppress(ValueError):
            relative = path.resolve().relative_to(base.resolve())
            return str(relative) if prefix == "." else f"{prefix}/{relative}".removesuffix("/.")
    return f"<outside the project>/{path.name}" if path.is_absolute() else str(path)


# ---------------------------------------------------------------------------------------------------------
# Measuring one process tree


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in family:
        with contextlib.suppress(psutil.Error):  # ended between the listing and the reading
            total += member.memory_info().rss
    return total


class _Ticker:
    """Progress of the running step: one refreshed line on a terminal, a line every 15 s otherwise."""

    def __init__(self, label: str, log_path: Path):
        self.label, self.log_path = label, log_path
        self.tty = sys.stdout.isatty()
        self.last = 0.0

    def last_log_line(self) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 400))
                lines = log.read().decode(errors="replace").splitlines()
        except OSError:
            return ""
        text = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]).strip() if lines else ""
        return text[:90]

    def tick(self, elapsed: float, rss: int, peak: int, force: bool = False) -> None:
        interval = 0.5 if self.tty else 15.0
        if not force and elapsed - self.last < interval:
            return
        self.last = elapsed
        line = f"  {self.label:<16} {elapsed:7.1f}s  rss {rss / MIB:7.0f} MiB  peak {peak / MIB:7.0f} MiB"
        if self.tty:
            columns = shutil.get_terminal_size((120, 20)).columns
            print(("\r" + f"{line}  | {self.last_log_line()}")[:columns].ljust(columns), end="", flush=True)
        else:
            print(f"{line}  | {self.last_log_line()}", flush=True)

    def done(self) -> None:
        if self.tty:
            print("\r" + " " * shutil.get_terminal_size((120, 20)).columns + "\r", end="", flush=True)


def run_measured(name: str, label: str, command: list[str], env: dict, log_path: Path) -> Step:
    """Run one step to completion; wall time, peak RSS of its process tree, exit code, log."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    ticker = _Ticker(label, log_path)
    print(f"  {label:<16} $ {' '.join(command[:6])}{' ...' if len(command) > 6 else ''}", flush=True)
    load_average = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process = psutil.Process(child.pid)
    peak, status, usage = 0, None, None
    while status is None:
        rss = _tree_rss(process)
        peak = max(peak, rss)
        ticker.tick(time.perf_counter() - started, rss, peak)
        pid, wait_status, wait_usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            status, usage = wait_status, wait_usage
        else:
            time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: Popen must not wait again
    ticker.done()
    peak = max(peak, usage.ru_maxrss * 1024)  # ru_maxrss: KiB, the largest single process of the tree
    step = Step(name, round(seconds, 3), round(peak / MIB, 1), child.returncode, portable(log_path))
    step.load_average = load_average
    step.summary, step.failures = _summary_line(log_path), _failures(log_path)
    verdict = "ok" if step.ok else f"FAILED (exit {step.exit_code}), see {log_path}"
    print(f"  {label:<16} {seconds:7.1f}s  peak {step.peak_rss_mib:7.0f} MiB  load average {load_average[0]:.2f} at "
          f"start  {verdict}", flush=True)  # fmt: skip
    if step.summary:
        print(f"  {'':<16} {step.summary}", flush=True)
    for failure in step.failures:
        print(f"  {'':<16} failed: {failure}", flush=True)
    return step


def _failures(log_path: Path) -> list[str]:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return []
    return sorted(set(re.findall(r"(?:Failure|Error) in (?:test|model|unit_test|seed) (\S+)", text)))


def _summary_line(log_path: Path) -> str | None:
    try:
        text = re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text(errors="replace"))
    except OSError:
        return None
    found = re.findall(r"Done\. PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+.*", text)
    if found:
        return found[-1].strip()
    found = re.findall(r"^total\s+[\d,]+\s+[\d,]+.*$", text, flags=re.MULTILINE)
    return re.sub(r"\s+", " ", found[-1]).strip() if found else None


# ---------------------------------------------------------------------------------------------------------
# One scale


def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "src/f1ml/raw/generate.py", ROOT / "src/f1ml/raw/tables.py"):
        digest.update(path.read_bytes())
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
    command = [sys.executable, "-m", "f1ml.generate_scaled_data", "--scale", str(k), "--seed", str(seed), "--out"]
    step = run_measured("generate", "generate", [*command, str(data)], env, work / "data" / f"k{k}-seed{seed}.log")
    if step.ok:
        stamp_path.write_text(json.dumps({**wanted, "seconds": step.seconds, "peak_rss_mib": step.peak_rss_mib,
                                          "log": step.log}))  # fmt: skip
    return data, step


def run_scale(k: int, args, work: Path) -> Scale:
    print(f"\n== k={k}", flush=True)
    env = {
        **os.environ,
        "DBT_TARGET": "duckdb",
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(ROOT)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",  # no network calls inside the measurements
        "PYTHONUNBUFFERED": "1",
    }
    data, generated = prepare_data(k, args.seed, work, env, args.regenerate)
    scale = Scale(k, portable(data), steps={"generate": generated})
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
    for name in STEPS:
        if name in args.steps:
            scale.steps[name] = step = run_measured(name, name, commands[name], env, logs / f"{name}.log")
            run_results = run_dir / "target" / "run_results.json"
            if name in ("build", "predict") and run_results.is_file():
                step.nodes, step.slowest = _node_summary(json.loads(run_results.read_text()))
                step.node_seconds = round(json.loads(run_results.read_text())["elapsed_time"], 2)
                shutil.copy(run_results, logs / f"{name}_run_results.json")
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


def _node_summary(run_results: dict) -> tuple[dict[str, int], list[list]]:
    """Nodes a dbt command ran, by resource type, and its five longest nodes."""
    results = run_results["results"]
    kinds: dict[str, int] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    longest = sorted(results, key=lambda r: -r["execution_time"])[:5]
    return kinds, [[r["unique_id"].split(".")[2], round(r["execution_time"], 1)] for r in longest]


# ---------------------------------------------------------------------------------------------------------
# Checks: what the project's data tests and constraints enforce, before and now


def _check_target(node: dict) -> str:
    """The model a test is attached to, by name, or the source it reads (`source formula1.lap_times`)."""
    if node.get("attached_node"):
        return node["attached_node"].split(".")[-1]
    model = (node.get("test_metadata") or {}).get("kwargs", {}).get("model", "")
    found = re.search(r"source\('(\w+)', '(\w+)'\)", model)
    return f"source {found.group(1)}.{found.group(2)}" if found else model


def _check_key(check: dict) -> str:
    return json.dumps([check["check"], check["on"], check["column"], check["arguments"]], sort_keys=True)


def project_checks(manifest: dict) -> list[dict]:
    """Every check of the project: each data test (generic: test, model or source, column, arguments and `where`;
    singular: its name) and each not_null constraint of a model whose contract is enforced."""
    project = manifest["metadata"]["project_name"]
    checks = []
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node["package_name"] == project:
            meta = node.get("test_metadata")
            if not meta:
                checks.append({"check": "singular", "on": node["name"], "column": None, "arguments": {}, "by": "test"})
                continue
            arguments = {k: v for k, v in meta["kwargs"].items() if k not in ("model", "column_name")}
            if node["config"].get("where"):
                arguments["where"] = node["config"]["where"]
            column = meta["kwargs"].get("column_name")
            checks.append({"check": meta["name"], "on": _check_target(node), "column": column, "arguments": arguments,
                           "by": "test"})  # fmt: skip
        elif node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced"):
            for column in node["columns"].values():
                if any(constraint["type"] == "not_null" for constraint in column.get("constraints", [])):
                    checks.append({"check": "not_null", "on": node["name"], "column": column["name"], "arguments": {},
                                   "by": "constraint"})  # fmt: skip
    return sorted(checks, key=_check_key)


def _within(narrow: dict, wide: dict) -> bool:
    """in_range arguments `narrow` allow no value that `wide` rejects (same other arguments)."""
    bounds = ("min_value", "max_value")
    if {k: v for k, v in narrow.items() if k not in bounds} != {k: v for k, v in wide.items() if k not in bounds}:
        return False
    for bound, sign in zip(bounds, (1, -1), strict=True):
        want, have = wide.get(bound), narrow.get(bound)
        if want is None:
            continue
        numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (want, have))
        if not (have == want or (numbers and sign * (have - want) > 0)):
            return False
    return True


def compare_checks(before: list[dict], now: list[dict]) -> dict:
    """How each check of `before` is enforced in `now`; the ones that are not."""
    tests = {_check_key(c) for c in now if c["by"] == "test"}
    not_null = {(c["on"], c["column"]) for c in now if c["by"] == "constraint"}
    in_ranges = [c for c in now if c["check"] == "in_range" and c["by"] == "test"]
    # A core table with has_every_row_of(parent) holds every row of that staging view, columns unchanged.
    holder = {re.sub(r"ref\('(\w+)'\)", r"\1", c["arguments"]["parent"]): c["on"] for c in now
              if c["check"] == "has_every_row_of"}  # fmt: skip

    def enforced_on(check: dict, model: str) -> str | None:
        if _check_key({**check, "on": model}) in tests:
            return "the same test"
        if check["check"] == "not_null" and not check["arguments"] and (model, check["column"]) in not_null:
            return "a not_null constraint"
        if check["check"] == "in_range" and any(
            c["on"] == model and c["column"] == check["column"] and _within(c["arguments"], check["arguments"])
            for c in in_ranges
        ):
            return "a narrower in_range test"
        return None

    ways, missing = {}, []
    for check in before:
        way = enforced_on(check, check["on"])
        if way is None and check["on"] in holder:
            way = enforced_on(check, holder[check["on"]])
            way = way and f"{way} on the core table that holds every row of the staging view"
        if way is None:
            missing.append(check)
        else:
            ways[way] = ways.get(way, 0) + 1
    before_keys = {_check_key(c) for c in before}
    added = [c for c in now if c["by"] == "test" and _check_key(c) not in before_keys]
    return {
        "before": len(before),
        "enforced": dict(sorted(ways.items(), key=lambda item: -item[1])),
        "missing": missing,
        "now_tests": sum(c["by"] == "test" for c in now),
        "now_constraints": sum(c["by"] == "constraint" for c in now),
        "added_tests": sorted({c["check"] for c in added}),
        "added_test_count": len(added),
    }


def checks_baseline_text(commit_id: str, commit: str, checks: list[dict]) -> str:
    """The baseline file: a header, then one check per line (readable, and a diff shows each check)."""
    header = {"commit": commit_id, "made_by": f"scripts/benchmark --write-checks-baseline {commit}",
              "data_tests": sum(c["by"] == "test" for c in checks)}  # fmt: skip
    lines = [json.dumps(check, sort_keys=True) for check in checks]
    return json.dumps(header)[:-1] + ', "checks": [\n' + ",\n".join(lines) + "\n]}\n"


def write_checks_baseline(commit: str) -> None:
    """benchmarks/checks_baseline.json: the checks of the project at `commit` (dbt parse of a temporary checkout)."""
    with tempfile.TemporaryDirectory(prefix="checks_baseline_") as tmp:
        checkout = Path(tmp) / "project"
        subprocess.run(["git", "worktree", "add", "--detach", str(checkout), commit], cwd=ROOT, check=True)
        try:
            env = {**os.environ, "DBT_PROFILES_DIR": str(checkout), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
            dbt = [str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(checkout)]
            dbt += ["--target-path", str(Path(tmp) / "target"), "--log-path", str(Path(tmp) / "logs")]
            subprocess.run(dbt, cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
            manifest = json.loads((Path(tmp) / "target" / "manifest.json").read_text())
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=ROOT, check=True)
    short = subprocess.run(["git", "rev-parse", "--short", commit], cwd=ROOT, capture_output=True, text=True)
    checks = project_checks(manifest)
    CHECKS_BASELINE.write_text(checks_baseline_text(short.stdout.strip(), commit, checks))
    print(f"written: {portable(CHECKS_BASELINE)} ({len(checks)} checks at {short.stdout.strip()})")


# ---------------------------------------------------------------------------------------------------------
# Report


def machine_info() -> dict:
    def version(package: str) -> str | None:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    cpu_model = None
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        cpu_model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), None)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        commit = commit.stdout.strip() or None
    except OSError:
        commit = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "scikit_learn": version("scikit-learn"),
        "pandas": version("pandas"),
        "git_commit": commit,
    }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator is not None and denominator else None


def ratios(scales: dict[int, Scale]) -> dict:
    out = {}
    for k, scale in scales.items():
        load, parse, build, predict = (scale.seconds(s) for s in STEPS)
        overhead = load + parse if load is not None and parse is not None else None
        out[f"k={k}"] = {
            "build_over_load_plus_parse": _ratio(build, overhead),
            "predict_over_build": _ratio(predict, build),
        }
    base = scales.get(1)
    if base:
        for k, scale in scales.items():
            if k != 1:
                out[f"k={k}"]["build_over_k1"] = _ratio(scale.seconds("build"), base.seconds("build"))
                out[f"k={k}"]["peak_memory_over_k1"] = _ratio(scale.peak_mib(), base.peak_mib())
    return out


def targets(scales: dict[int, Scale], ratio: dict, checks: dict | None) -> list[dict]:
    checks_out = []

    def check(name: str, value, passed: bool | None, detail: str) -> None:
        status = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
        checks_out.append({"target": name, "status": status, "value": value, "detail": detail})

    def broken(scale: Scale, *names: str) -> str | None:
        bad = []
        for name in (n for n in names if n in scale.steps):
            step = scale.steps[name]
            failed = f" ({', '.join(step.failures)} failed)" if step.failures else ""
            if not step.ok or failed:
                bad.append(f"{name} exit {step.exit_code}{failed}")
        return ", ".join(bad) or None

    k1, k100 = scales.get(1), scales.get(100)
    name = f"k=1: full build / (load + parse) <= {K1_BUILD_OVER_LOAD_PARSE:.1f}"
    value = ratio.get("k=1", {}).get("build_over_load_plus_parse")
    if k1 and value is not None:
        check(name, value, value <= K1_BUILD_OVER_LOAD_PARSE and not broken(k1, "load", "parse", "build"),
              broken(k1, "load", "parse", "build") or f"{value:.2f}")  # fmt: skip
    else:
        check(name, None, None, "k=1 load, parse and build not all measured")
    name = f"k=1: predict-only <= {K1_PREDICT_SHARE:.2f} x full build"
    value = ratio.get("k=1", {}).get("predict_over_build")
    if k1 and value is not None:
        check(name, value, value <= K1_PREDICT_SHARE and not broken(k1, "build", "predict"),
              broken(k1, "build", "predict") or f"{value:.2f}")  # fmt: skip
    else:
        check(name, None, None, "k=1 build and predict not both measured")
    name = f"k=100: peak memory <= {K100_PEAK_MIB / 1024:.0f} GiB, every node passing"
    if k100 and k100.peak_mib() is not None and {"build", "predict"} <= set(k100.steps):
        bad = broken(k100, "generate", *STEPS)
        detail = f"{k100.peak_mib():,.0f} MiB, max over the steps" + (f"; {bad}" if bad else "; every step exit 0")
        check(name, k100.peak_mib(), not bad and k100.peak_mib() <= K100_PEAK_MIB, detail)
    else:
        check(name, None, None, "k=100 build and predict not measured (--with-100)")
    name = "no check lost: every check of the baseline still enforced"
    if checks:
        lost = len(checks["missing"])
        check(name, lost, lost == 0, f"{checks['before'] - lost} of {checks['before']} enforced, {lost} missing")
    else:
        check(name, None, None, "no manifest (parse not run) or no baseline")
    return checks_out


def _fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table_lines(result: dict) -> list[str]:
    lines = [
        "| scale | lap_times rows | results rows | load s | parse s | build s | predict s | load MiB | parse MiB "
        "| build MiB | predict MiB | load average at each step's start |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scale in result["scales"]:

        def cell(step: str, key: str, digits: int = 1, steps: dict = scale["steps"]) -> str:
            found = steps.get(step)
            if not found:
                return "-"
            text = _fmt(found[key], digits)
            if found["exit_code"] not in (0, None):
                text += f" (exit {found['exit_code']})"
            return text

        loads = " / ".join(f"{scale['steps'][n]['load_average'][0]:.2f}" if n in scale["steps"] else "-" for n in STEPS)
        rows = scale["rows"]
        lines.append(
            f"| {scale['k']} | {_fmt(rows.get('lap_times'), 0)} | {_fmt(rows.get('results'), 0)} "
            f"| {cell('load', 'seconds')} | {cell('parse', 'seconds')} | {cell('build', 'seconds')} "
            f"| {cell('predict', 'seconds')} | {cell('load', 'peak_rss_mib', 0)} | {cell('parse', 'peak_rss_mib', 0)} "
            f"| {cell('build', 'peak_rss_mib', 0)} | {cell('predict', 'peak_rss_mib', 0)} | {loads} |"
        )
    return lines


def check_lines(checks: dict | None) -> list[str]:
    if not checks:
        return ["Not counted: no manifest (the parse step did not run) or no baseline."]
    enforced = sum(checks["enforced"].values())
    lines = [
        f"The baseline, `benchmarks/checks_baseline.json`, holds the {checks['before']} data tests of commit "
        f"{checks['baseline_commit']} (`{checks['baseline_made_by']}`). Each is looked for in today's project "
        f"(its manifest.json from the parse step): **{enforced} of {checks['before']} are still enforced, "
        f"{len(checks['missing'])} missing**:",
        "",
        *[f"- {count} by {way}" for way, count in checks["enforced"].items()],
    ]
    lines += [f"- missing: {json.dumps(c)}" for c in checks["missing"]]
    lines += [
        "",
        f"Today: {checks['now_tests']} data tests and {checks['now_constraints']} not_null constraints of enforced "
        f"contracts; {checks['added_test_count']} of the tests are new ({', '.join(checks['added_tests'])}).",
    ]
    return lines


def tension_lines(result: dict) -> list[str]:
    """Whether the two k=1 time targets can hold together, from the run's own figures."""
    k1 = next((s for s in result["scales"] if s["k"] == 1), None)
    steps = k1["steps"] if k1 else {}
    if not all(n in steps and steps[n]["exit_code"] == 0 for n in STEPS):
        return []
    load, parse, predict = (steps[n]["seconds"] for n in ("load", "parse", "predict"))
    ceiling = K1_BUILD_OVER_LOAD_PARSE * (load + parse)
    fixed = predict - (steps["predict"]["node_seconds"] or 0)
    return [
        f"Together, the two k=1 targets need predict-only <= {K1_PREDICT_SHARE:.2f} x {K1_BUILD_OVER_LOAD_PARSE:.1f} "
        f"x (load + parse) = {K1_PREDICT_SHARE * ceiling:.1f} s (a full build of at most {ceiling:.1f} s). "
        f"Predict-only took {predict:.1f} s, {fixed:.1f} s of it dbt's own start and end around its nodes.",
        "",
    ]


def readme_summary(result: dict) -> str:
    """The README's few lines: each target met or not; the why and the detail are in docs/performance.md."""
    verdict = {"PASS": "met", "FAIL": "**not met**", "SKIP": "not measured"}
    lines = [
        f"`{result['command']}`, {result['date'][:10]}, commit {result['machine']['git_commit']} "
        "([docs/performance.md](docs/performance.md) has the figures and why a target is missed):",
        "",
        *[f"- {t['target']}: {verdict[t['status']]} ({t['detail']})" for t in result["targets"]],
    ]
    checks = result["checks"]
    if checks:
        lines.append(
            f"- today the build runs {checks['now_tests']} data tests and enforces {checks['now_constraints']} "
            "not_null constraints"
        )
    return "\n".join(lines)


def markdown(result: dict) -> str:
    machine = result["machine"]
    lines = [
        "# Performance",
        "",
        f"Written by `{result['command']}` on {result['date']} (commit {machine['git_commit']}); not edited by hand. "
        "Each scale k is the shipped data repeated k times by the deterministic generator; each step runs in its "
        "own process on a fresh DuckDB file:",
        "",
        "- **load**: `f1-load-raw` (the raw CSV files into DuckDB);",
        "- **parse**: `dbt parse` with an empty target directory (a full parse);",
        "- **build**: `dbt build --selector retrain`, every model and test (the retrain job);",
        "- **predict**: `dbt build --selector predict`, the minimal inference-only job (`tag:predict`, cautious "
        "indirect selection), on the version the build registered.",
        "",
        "Times are wall seconds; MiB is the peak summed RSS of the step's process tree. The machine is shared: "
        "compare the ratios of one run rather than seconds across runs, and mind the load average.",
        "",
        f"Machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), {machine['memory_gib']} GiB memory; "
        f"{machine['platform']}; Python {machine['python']}, DuckDB {machine['duckdb']}, dbt-core "
        f"{machine['dbt_core']}, dbt-duckdb {machine['dbt_duckdb']}, scikit-learn {machine['scikit_learn']}, "
        f"pandas {machine['pandas']}. Load average {machine['load_average_at_start']} (1, 5, 15 min) at the start, "
        f"{machine.get('load_average_at_end')} at the end.",
        "",
        *table_lines(result),
        "",
        "## Targets",
        "",
        "| target | result | value |",
        "|---|---|---|",
        *[f"| {t['target']} | {t['status']} | {t['detail']} |" for t in result["targets"]],
        "",
        *tension_lines(result),
        "## Ratios",
        "",
        *[f"- {line}" for line in ratio_lines(result["ratios"])],
        "",
        "## dbt",
        "",
    ]
    for scale in result["scales"]:
        for name in ("build", "predict"):
            step = scale["steps"].get(name)
            if not step or not step.get("summary"):
                continue
            nodes = ", ".join(f"{count} {kind}" for kind, count in sorted(step["nodes"].items()))
            slowest = ", ".join(f"{node} {seconds:.1f} s" for node, seconds in step["slowest"])
            failed = f" Failed: {', '.join(step['failures'])}." if step.get("failures") else ""
            timing = ""
            if step.get("node_seconds") is not None:
                timing = (f"; {step['node_seconds']:.1f} of its {step['seconds']:.1f} s running nodes, the rest dbt "
                          "starting, reading the parse and writing its artifacts")  # fmt: skip
            lines.append(f"- k={scale['k']} {name}: {step['summary']} ({nodes}){timing}. Longest: {slowest}.{failed}")
    lines += ["", "## Checks", "", *check_lines(result["checks"])]
    return "\n".join(lines) + "\n"


def ratio_lines(ratio: dict) -> list[str]:
    labels = {
        "build_over_load_plus_parse": "full build / (load + parse)",
        "predict_over_build": "predict-only / full build",
        "build_over_k1": "full build time / k=1",
        "peak_memory_over_k1": "peak memory / k=1",
    }
    return [
        f"{scale}: {labels[key]} = {_fmt(value, 2)}" for scale, values in ratio.items() for key, value in values.items()
    ]


# ---------------------------------------------------------------------------------------------------------
# Entry point


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(
        prog="scripts/benchmark", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors (default 1,10)")
    parser.add_argument("--with-100", action="store_true", help="add scale 100 (about 59M lap rows)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    parser.add_argument("--regenerate", action="store_true", help="generate the data again even if cached")
    parser.add_argument("--clean", action="store_true", help="delete each scale's database and registry when done")
    parser.add_argument("--dbt-vars", default="{}", help="extra dbt vars as a JSON/YAML-flow object")
    parser.add_argument("--work-dir", default=str(WORK_DIR), help="scratch directory (default benchmarks/work)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"), help="where the results go")
    parser.add_argument("--report", default=str(DEFAULT_REPORT), help="where the page goes")
    parser.add_argument("--write-checks-baseline", metavar="COMMIT",
                        help=f"write {portable(CHECKS_BASELINE)} from a dbt parse of COMMIT, and stop")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        args.scales = sorted(
            {int(x) for x in args.scales.split(",") if x.strip()} | ({100} if args.with_100 else set())
        )
    except ValueError:
        parser.error(f"--scales: comma-separated integers expected, got {args.scales!r}")
    if not args.scales or min(args.scales) < 1:
        parser.error("--scales: positive integers expected")
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(args.steps) - set(STEPS))
    if unknown or not args.steps:
        parser.error(f"--steps: unknown step(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(STEPS)}")
    try:
        args.dbt_vars = json.loads(args.dbt_vars)
        assert isinstance(args.dbt_vars, dict)
    except (ValueError, AssertionError):
        parser.error("--dbt-vars: a JSON object expected, e.g. '{\"training_seasons\": 5}'")
    return args


def main(argv: list[str] | None = None) -> int:
    global WORK_DIR
    args = parse_args(argv)
    if args.write_checks_baseline:
        write_checks_baseline(args.write_checks_baseline)
        return 0
    work, json_path, report_path = Path(args.work_dir), Path(args.json), Path(args.report)
    WORK_DIR = work
    work.mkdir(parents=True, exist_ok=True)
    arguments = sys.argv[1:] if argv is None else argv
    command = " ".join(["scripts/benchmark", *(portable(a) if os.path.isabs(a) else a for a in arguments)])
    machine = machine_info()
    print(
        f"benchmark: scales {args.scales}, steps {', '.join(args.steps)}, seed {args.seed}; "
        f"{machine['cpu_count']} CPUs, {machine['memory_gib']} GiB, load average {machine['load_average_at_start']}",
        flush=True,
    )
    started = datetime.datetime.now(datetime.UTC)
    scales: dict[int, Scale] = {}
    for k in args.scales:
        scales[k] = run_scale(k, args, work)
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    ratio = ratios(scales)
    checks = None
    parsed = next((s.checks for s in scales.values() if s.checks is not None), None)
    if parsed is not None and CHECKS_BASELINE.is_file():
        baseline = json.loads(CHECKS_BASELINE.read_text())
        checks = {"baseline_commit": baseline["commit"], "baseline_made_by": baseline["made_by"],
                  **compare_checks(baseline["checks"], parsed)}  # fmt: skip
    result = {
        "date": started.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.datetime.now(datetime.UTC) - started).total_seconds(), 1),
        "command": command,
        "seed": args.seed,
        "steps": args.steps,
        "machine": machine,
        "scales": [
            {
                **{key: value for key, value in asdict(s).items() if key != "checks"},
                "steps": {n: asdict(step) for n, step in s.steps.items()},
            }
            for s in scales.values()
        ],  # fmt: skip
        "ratios": ratio,
        "targets": targets(scales, ratio, checks),
        "checks": checks,
    }
    for path, text in ((json_path, json.dumps(result, indent=2) + "\n"), (report_path, markdown(result))):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if report_path.resolve() == DEFAULT_REPORT:  # the documented run also updates the README's summary
        write_generated_section(README, "performance", readme_summary(result))

    print("\n== results\n")
    print("\n".join(table_lines(result)))
    print("\n== ratios")
    for line in ratio_lines(ratio):
        print(f"  {line}")
    print("\n== checks")
    for line in check_lines(checks):
        print(f"  {line}" if line else "")
    print("\n== targets")
    for t in result["targets"]:
        print(f"  {t['status']:<4}  {t['target']}: {t['detail']}")
    print(f"\nwritten: {portable(json_path)}, {portable(report_path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
