"""Benchmark the pipeline at several data scales: load, dbt parse, full build, predict-only; time and peak memory.

    scripts/benchmark                     # scales 1 and 10
    scripts/benchmark --with-100          # scales 1, 10 and 100 (what docs/performance.md shows)
    scripts/benchmark --scales 1,3        # any scales
    scripts/benchmark --steps load,parse  # a subset of the steps (load, parse, build, predict)
    scripts/benchmark --rewrite-report    # docs/performance.md again from benchmarks/results.json, nothing run

Per scale k: the shipped data scaled k times (f1-generate-scaled-data, plain CSV; kept in
benchmarks/work/data/k<K>-seed<SEED> and reused while the generator and seed are the same), then in a fresh
directory benchmarks/work/k<K>/ (own DuckDB file, model registry, dbt target and log paths, so nothing touches
the project's own state), each step as its own process:

    load     f1-load-raw --source DATA --database benchmarks/work/k<K>/f1.duckdb
    parse    dbt parse                      (fresh target path: a full parse)
    build    dbt build --selector retrain   (every model and test: the retrain job)
    predict  dbt build --selector predict   (the minimal inference-only job, tag:predict, cautious indirect
                                             selection; on the model the build registered)
    alone    dbt build --select NODES --indirect-selection empty --threads 1
                                            (the build's --alone slowest models and data tests again, one at a
                                             time: their time alone next to their time inside the build)

Each step's wall time, the load average when it started, and its peak memory: the RSS of the step's process and
all its children, summed, polled every 50 ms (psutil), and never less than the kernel's peak RSS of its largest
process (wait4).

Checks: the data tests and not_null constraints of the parsed project, compared with the data tests of commit
15e353a (f1ml.dev.benchmark.checks): every one must still be enforced.

Writes benchmarks/results.json and docs/performance.md (paths inside them relative to the project), prints the
ratios and checks the targets (PASS/FAIL lines; a failed target or step does not fail the command, only bad
arguments do): k=1 full build / (load + parse) <= 2.0; k=1 predict-only <= 0.30 x full build; k=100 peak memory
<= 4 GiB with every node passing; no check lost. Step logs: benchmarks/work/k<K>/logs/<step>.log.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from f1ml import PROJECT_DIR, write_generated_section
from f1ml.dev.benchmark import checks, render
from f1ml.dev.benchmark.measure import machine_info, portable
from f1ml.dev.benchmark.scales import EXTRA_STEPS, STEPS, Scale, run_scale
from f1ml.dev.benchmark.targets import ratios, targets

README, DEFAULT_REPORT = PROJECT_DIR / "README.md", PROJECT_DIR / "docs" / "performance.md"
DEFAULT_RESULTS = PROJECT_DIR / "benchmarks" / "results.json"
WORK_DIR = PROJECT_DIR / "benchmarks" / "work"
SEED = 42
ALONE = 5


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(
        prog="scripts/benchmark", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors (default 1,10)")
    parser.add_argument("--with-100", action="store_true", help="add scale 100 (about 59M lap rows)")
    every = (*STEPS, *EXTRA_STEPS)
    parser.add_argument("--steps", default=",".join(every), help=f"comma-separated subset of {','.join(every)}")
    parser.add_argument("--alone", type=int, default=ALONE, metavar="N",
                        help=f"run the build's N slowest nodes again alone (default {ALONE}; 0: not)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    parser.add_argument("--regenerate", action="store_true", help="generate the data again even if cached")
    parser.add_argument("--clean", action="store_true", help="delete each scale's database and registry when done")
    parser.add_argument("--dbt-vars", default="{}", help="extra dbt vars as a JSON/YAML-flow object")
    parser.add_argument("--work-dir", default=str(WORK_DIR), help="scratch directory (default benchmarks/work)")
    parser.add_argument("--json", default=str(DEFAULT_RESULTS), help="where the results go")
    parser.add_argument("--report", default=str(DEFAULT_REPORT), help="where the page goes")
    parser.add_argument("--rewrite-report", action="store_true",
                        help="write the page (and README summary) again from the --json results, and stop")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        args.scales = sorted(
            {int(x) for x in args.scales.split(",") if x.strip()} | ({100} if args.with_100 else set())
        )
    except ValueError:
        parser.error(f"--scales: comma-separated integers expected, got {args.scales!r}")
    if not args.scales or min(args.scales) < 1:
        parser.error("--scales: positive integers expected")
    if args.alone < 0:
        parser.error("--alone: 0 or more nodes expected")
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(args.steps) - set(STEPS) - set(EXTRA_STEPS))
    if unknown or not args.steps:
        parser.error(f"--steps: unknown step(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(STEPS)}")
    try:
        args.dbt_vars = json.loads(args.dbt_vars)
        assert isinstance(args.dbt_vars, dict)
    except (ValueError, AssertionError):
        parser.error("--dbt-vars: a JSON object expected, e.g. '{\"training_seasons\": 5}'")
    return args


def write_report(result: dict, report_path: Path) -> None:
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(render.markdown(result))
    if report_path.resolve() == DEFAULT_REPORT:  # the documented run also updates the README's summary
        write_generated_section(README, "performance", render.readme_summary(result))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work, json_path, report_path = Path(args.work_dir), Path(args.json), Path(args.report)
    if args.rewrite_report:
        write_report(json.loads(json_path.read_text()), report_path)
        print(f"written: {portable(report_path, work)} from {portable(json_path, work)}")
        return 0
    work.mkdir(parents=True, exist_ok=True)
    arguments = sys.argv[1:] if argv is None else argv
    command = " ".join(["scripts/benchmark", *(portable(a, work) if os.path.isabs(a) else a for a in arguments)])
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
    compared = None
    parsed = next((s.checks for s in scales.values() if s.checks is not None), None)
    if parsed is not None:
        baseline = checks.baseline()
        compared = checks.compare_checks(baseline["checks"], parsed, checks.replaced())
        compared = {"baseline_commit": baseline["commit"], **compared}
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
        "targets": targets(scales, ratio, compared),
        "checks": compared,
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    write_report(result, report_path)

    print("\n== results\n")
    print("\n".join(render.table_lines(result)))
    print("\n== ratios")
    for line in render.ratio_lines(ratio):
        print(f"  {line}")
    for line in render.alone_lines(result):
        print(f"  {line}" if line else "")
    print("\n== checks")
    for line in render.check_lines(compared):
        print(f"  {line}" if line else "")
    print("\n== targets")
    for t in result["targets"]:
        print(f"  {t['status']:<4}  {t['target']}: {t['detail']}")
    print(f"\nwritten: {portable(json_path, work)}, {portable(report_path, work)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
