"""The benchmark's results as text: docs/performance.md, the README's summary and the console's tables. Everything
here reads the results dict (benchmarks/results.json), so a page can be written again from the saved results."""

from __future__ import annotations

import json

from f1ml import PROJECT_DIR
from f1ml.dev.benchmark.checks import BASELINE, RETIRED, describe
from f1ml.dev.benchmark.scales import REPLAY_SEASON, REPLAY_WEEKS, STEPS
from f1ml.dev.benchmark.targets import K1_BUILD_OVER_LOAD_PARSE, K1_PREDICT_SHARE


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
    retired = checks["enforced"].get(RETIRED, 0)
    enforced = sum(checks["enforced"].values()) - retired
    lines = [
        f"The baseline, `{BASELINE.relative_to(PROJECT_DIR)}`, holds the {checks['before']} data tests of commit "
        f"{checks['baseline_commit']} (from a dbt parse of that commit, before the contracts). Each is looked for in "
        f"today's project (its manifest.json from the parse step): **{enforced} of {checks['before']} are still "
        f"enforced, " + (f"{retired} retired on purpose, " if retired else "") + f"{len(checks['missing'])} missing**:",
        "",
        *[f"- {count} by {way}" for way, count in checks["enforced"].items()],
    ]
    lines += [f"- missing: {json.dumps(c)}" for c in checks["missing"]]
    replaced = checks.get("replaced", [])
    if replaced:
        lines += ["", "Replaced on purpose (`tests/python/fixtures/checks_replaced.json`):", ""]
        lines += [f"- {describe(r['baseline'])}, by {describe(r['by']) if r['by'] else 'none'}: {r['why']}"
                  for r in replaced]  # fmt: skip
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
        "([docs/performance.md](docs/performance.md) has the figures; docs/decisions.md, 60, says what remains "
        "where a target is missed):",
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
    lines += scheduled_lines(result)
    lines += alone_lines(result)
    lines += ["", "## Checks", "", *check_lines(result["checks"])]
    return "\n".join(lines) + "\n"


def scheduled_lines(result: dict) -> list[str]:
    """The scheduled job at each scale, and at k=1 what a replayed race week costs."""
    rows = []
    for scale in result["scales"]:
        step = scale["steps"].get("scheduled")
        if step and step.get("exit_code") == 0:
            rows.append(f"- k={scale['k']}: the scheduled job (`dbt build --selector refresh_and_predict`) "
                        f"{step['seconds']:.1f} s, peak {step['peak_rss_mib']:,.0f} MiB; the retrain build "
                        f"{scale['steps']['build']['seconds']:.1f} s.")  # fmt: skip
        replay = scale["steps"].get("replay")
        if replay and replay.get("exit_code") == 0:
            rows.append(f"- k={scale['k']}: `f1-replay-season {REPLAY_SEASON}` over its last {REPLAY_WEEKS} race weeks "
                        f"(a retrain, then per week two loads and two scheduled jobs) {replay['seconds']:.0f} s: a "
                        f"season of 24 weeks, about {replay['seconds'] / REPLAY_WEEKS * 24 / 60:.0f} min at that "
                        "rate (the retrain counted in every week, so a bound).")  # fmt: skip
    return ["", "## The scheduled job and a race week", "", *rows] if rows else []


def alone_lines(result: dict) -> list[str]:
    """The build's slowest nodes inside the build and alone, per scale; nothing when no scale ran them alone."""
    rows = []
    for scale in result["scales"]:
        compared = scale["steps"].get("alone", {}).get("inside_and_alone")
        if compared:
            nodes = ", ".join(f"{node} {inside:.1f} / {_fmt(alone)} s" + (f" ({inside / alone:.1f}x)" if alone else "")
                              for node, inside, alone in compared)  # fmt: skip
            rows.append(f"- k={scale['k']}: {nodes}")
    if not rows:
        return []
    return [
        "",
        "## Inside the build and alone",
        "",
        "The build's slowest models and data tests, run again one at a time on the database the build made (`dbt "
        "build --select NODES --indirect-selection empty --threads 1`), so each has the machine to itself: seconds "
        "inside the build / alone (dbt's time for the node, `run_results.json`), and how many times slower it ran "
        "inside. Much slower inside means waiting for the cores, not work.",
        "",
        *rows,
    ]


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
