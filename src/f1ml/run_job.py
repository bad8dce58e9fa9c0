"""Run a dbt Cloud job of jobs/dbt_cloud_jobs.yml locally, step by step, as dbt Cloud would, in one process.

    f1-run-job {retrain|predict} [--dry-run] [--target TARGET] [--vars YAML]

The job is found by its key in the YAML (retrain, predict). The project is parsed once, then its execute_steps
run in order through dbt's programmatic runner (dbtRunner) in this process, sharing that manifest: no dbt
start-up or parse per step. The first failing step stops the job (exit 1, or 2 when dbt itself failed). When the
job has generate_docs: true, `dbt docs generate` runs after the steps, like dbt Cloud's "Generate docs on run"
checkbox: only when every step passed, and its failure is reported without failing the job. --target and --vars
are appended to every dbt command. --dry-run prints the commands, one a line, and runs nothing. dbt Cloud's
built-in `dbt deps` is not repeated here: packages.yml declares no package.

What it prints reads like progress: a line per step with its counts and elapsed time, a progress line while dbt
runs nodes (rewritten in place on a terminal, every PROGRESS_SECONDS otherwise), and every failing or warning
node in full, with its name and message, as it happens. dbt's own console output is off; its full log (every
node, every query) is in logs/dbt.log ($DBT_LOG_PATH), without colour codes.
"""

import argparse
import os
import shlex
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

import yaml

from f1ml import PROJECT_DIR
from f1ml.raw.load import plural

JOBS_FILE = PROJECT_DIR / "jobs" / "dbt_cloud_jobs.yml"
# --no-write-json keeps the build's run_results.json (what passed and failed) for f1-summary, and its
# manifest.json, which holds each node's compiled SQL: the steps compiled every node the docs show, in this
# process, so --no-compile skips compiling them again (6 of 12 s). The catalog and docs site are written all
# the same.
DOCS_STEP = "dbt docs generate --no-compile --no-write-json"
# Added to each command when it runs (not to what --dry-run prints): dbt's console output is replaced by
# NodeProgress; its log file keeps everything (debug level), without colour codes.
QUIET_FLAGS = ["--log-level", "none", "--log-level-file", "debug", "--no-use-colors"]
PROGRESS_SECONDS = 15  # between progress lines when the output is not a terminal
PASSED = ("success", "pass")


def load_jobs(path: Path = JOBS_FILE) -> dict[str, dict]:
    """The jobs of a dbt-jobs-as-code file, by key. The templated IDs stay unrendered: they are not needed here."""
    with open(path) as f:
        return yaml.safe_load(f)["jobs"]


def job_commands(job: dict, target: str | None = None, dbt_vars: str | None = None) -> list[list[str]]:
    """The dbt commands a job runs, as argument lists: its execute_steps, then docs generation if enabled."""
    steps = list(job["execute_steps"])
    if job.get("generate_docs"):
        steps.append(DOCS_STEP)
    commands = []
    for step in steps:
        args = shlex.split(step)
        if not args or args[0] != "dbt":
            raise ValueError(f"not a dbt command: {step!r}")
        if target:
            args += ["--target", target]
        if dbt_vars:
            args += ["--vars", dbt_vars]
        commands.append(args)
    return commands


class NodeProgress:
    """A dbtRunner callback: counts the nodes a command runs, prints each failing or warning node in full as it
    finishes (name, file, message) and any other warning or error of dbt, and keeps a progress line."""

    def __init__(self, out: TextIO = sys.stdout):
        self.out = out
        self.tty = out.isatty()
        self.started = self.last_printed = time.monotonic()
        self.total = 0
        self.outcomes: Counter[str] = Counter()
        self.progress_shown = False

    def __call__(self, msg) -> None:
        name = msg.info.name
        if name == "LogStartLine":
            self.total = max(self.total, msg.data.total)
        elif name == "NodeFinished":
            self._finished(msg.data.node_info, msg.data.run_result)
        elif self._worth_printing(msg):
            self._print(_indented(msg.info.msg))

    @staticmethod
    def _worth_printing(msg) -> bool:
        """dbt's warnings and errors that are not a node's (_finished prints those), and the raw load that the
        dbt plugin ran by itself."""
        not_a_node = msg.info.level in ("warn", "error") and not _node_id(msg)
        return not_a_node or (msg.info.name == "AdapterEventInfo" and msg.data.name == "f1_raw")

    def _finished(self, node, result) -> None:
        status = result.status or node.node_status
        self.outcomes["passed" if status in PASSED else status] += 1
        if status in ("fail", "error", "warn"):
            message = (result.message or "").strip()
            self._print(_indented(f"{status.upper()} {node.resource_type} {node.node_name}: {message}"))
        self._progress()

    def _print(self, line: str) -> None:
        if self.tty and self.progress_shown:
            self.out.write("\r\x1b[K")  # clear the progress line; it is written again after this one
            self.progress_shown = False
        print(line, file=self.out, flush=True)

    def _progress(self) -> None:
        now = time.monotonic()
        if self.tty:
            self.out.write(f"\r    {self.counts()} ({now - self.started:.0f} s)\x1b[K")
            self.out.flush()
            self.progress_shown = True
        elif now - self.last_printed >= PROGRESS_SECONDS:
            print(f"    ... {self.counts()} ({now - self.started:.0f} s)", file=self.out, flush=True)
            self.last_printed = now

    def counts(self, final: bool = False) -> str:
        done = sum(self.outcomes.values())
        nodes = f"{done}/{self.total} nodes" if self.total and not final else plural(done, "node")
        return f"{nodes}: " + ", ".join(f"{n} {outcome}" for outcome, n in self.outcomes.most_common())

    def close(self, idle: str = "no node run") -> None:
        """The step's final line: its counts (`idle` when it ran no node) and elapsed time."""
        if self.tty and self.progress_shown:
            self.out.write("\r\x1b[K")
        counts = self.counts(final=True) if self.outcomes else idle
        print(f"    {counts} ({time.monotonic() - self.started:.1f} s)", file=self.out, flush=True)


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def _node_id(msg) -> str:
    node = getattr(msg.data, "node_info", None)
    return node.unique_id if node is not None else ""


def invoke(args: list[str], manifest=None, progress: NodeProgress | None = None):
    """One dbt command in this process, its console output replaced by `progress`; its result (success,
    exception, result)."""
    from dbt.cli.main import dbtRunner

    callbacks = [progress] if progress else []
    return dbtRunner(manifest=manifest, callbacks=callbacks).invoke([*args, *QUIET_FLAGS])


def parse(flags: list[str]):
    """dbt parse, with a line saying what it found and how long it took."""
    started = time.monotonic()
    progress = NodeProgress()
    parsed = invoke(["parse", *flags], progress=progress)
    if parsed.success:
        print(f"    parsed: {project_counts(parsed.result)} ({time.monotonic() - started:.1f} s)", flush=True)
    return parsed


def project_counts(manifest) -> str:
    kinds = Counter(node.resource_type for node in manifest.nodes.values())
    counts = [plural(kinds["model"], "model"), plural(kinds["test"], "data test")]
    counts += [plural(len(manifest.unit_tests), "unit test"), plural(kinds["seed"], "seed")]
    return ", ".join(counts + [plural(len(manifest.sources), "source")])


def log_file() -> str:
    path = Path(os.environ.get("DBT_LOG_PATH") or PROJECT_DIR / "logs") / "dbt.log"
    return str(path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path)


def exit_code(result) -> int:
    """As the dbt command line: 0 success, 1 a node failed, 2 dbt itself failed."""
    return 0 if result.success else 2 if result.exception else 1


def run(job_key: str, job: dict, target: str | None, dbt_vars: str | None) -> int:
    started = time.monotonic()
    commands = job_commands(job, target, dbt_vars)
    flags = shlex.split(f"--target {target}" if target else "") + (["--vars", dbt_vars] if dbt_vars else [])
    total = len(commands)
    print(f"==> {job_key}: a parse, then {plural(total, 'step')}; dbt's full log: {log_file()}", flush=True)
    parsed = parse(flags)  # once for every step: the steps differ in selection, not in flags
    if not parsed.success:
        print(f"run_job: job {job_key}: dbt parse failed", file=sys.stderr)
        return exit_code(parsed)
    for number, args in enumerate(commands, start=1):
        command = shlex.join(args)
        is_docs = job.get("generate_docs") and number == total
        print(f"==> {job_key} step {number}/{total}: {command}", flush=True)
        progress = NodeProgress()
        returncode = exit_code(invoke(args[1:], manifest=parsed.result, progress=progress))
        progress.close("catalog and docs site written" if is_docs and returncode == 0 else "no node run")
        if returncode == 0:
            continue
        if is_docs:  # as in dbt Cloud, a failed docs generation does not fail the job
            print(f"run_job: warning: step {number}/{total} failed (exit {returncode}): {command}", file=sys.stderr)
            break
        print(
            f"run_job: job {job_key} failed at step {number}/{total} (exit {returncode}): {command}\n"
            f"run_job: {total - number} later step(s) not run; the full dbt log is in {log_file()}",
            file=sys.stderr,
        )
        return returncode
    print(f"==> {job_key}: done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", help="job key in the jobs file: retrain or predict")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--target", help="dbt target (profiles.yml), e.g. duckdb, snowflake, prod")
    parser.add_argument("--vars", dest="dbt_vars", metavar="YAML", help="dbt --vars, e.g. '{hold_out_season: 2021}'")
    parser.add_argument("--jobs-file", type=Path, default=JOBS_FILE, help="default: jobs/dbt_cloud_jobs.yml")
    args = parser.parse_args(argv)

    jobs = load_jobs(args.jobs_file)
    if args.job not in jobs:
        parser.error(f"unknown job {args.job!r}; jobs in {args.jobs_file}: {', '.join(jobs)}")
    job = jobs[args.job]

    if args.dry_run:
        for command in job_commands(job, args.target, args.dbt_vars):
            print(shlex.join(command))
        return 0
    os.chdir(PROJECT_DIR)  # dbt finds dbt_project.yml (and profiles.yml, unless DBT_PROFILES_DIR says) here
    return run(args.job, job, args.target, args.dbt_vars)


if __name__ == "__main__":
    sys.exit(main())
