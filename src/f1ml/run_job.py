"""Run a dbt Cloud job of jobs/dbt_cloud_jobs.yml locally, step by step, as dbt Cloud would, in one process.

    f1-run-job {retrain|predict} [--dry-run] [--target TARGET] [--vars YAML]

The job is found by its key in the YAML (retrain, predict). The project is parsed once, then its execute_steps
run in order through dbt's programmatic runner (dbtRunner) in this process, sharing that manifest: no dbt
start-up or parse per step. The first failing step stops the job (exit 1, or 2 when dbt itself failed). When the
job has generate_docs: true, `dbt docs generate` runs after the steps, like dbt Cloud's "Generate docs on run"
checkbox: only when every step passed, and its failure is reported without failing the job. --target and --vars
are appended to every dbt command. --dry-run prints the commands, one a line, and runs nothing. dbt Cloud's
built-in `dbt deps` is not repeated here: packages.yml declares no package.
"""

import argparse
import os
import shlex
import sys
from pathlib import Path

import yaml

from f1ml import PROJECT_DIR

JOBS_FILE = PROJECT_DIR / "jobs" / "dbt_cloud_jobs.yml"
# --no-write-json keeps the build's run_results.json (what passed and failed) for f1-summary; the
# catalog and docs site are written all the same.
DOCS_STEP = "dbt docs generate --no-write-json"


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


def invoke(args: list[str], manifest=None):
    """One dbt command in this process; its result (success, exception, result)."""
    from dbt.cli.main import dbtRunner

    return dbtRunner(manifest=manifest).invoke(args)


def exit_code(result) -> int:
    """As the dbt command line: 0 success, 1 a node failed, 2 dbt itself failed."""
    return 0 if result.success else 2 if result.exception else 1


def run(job_key: str, job: dict, target: str | None, dbt_vars: str | None) -> int:
    commands = job_commands(job, target, dbt_vars)
    flags = shlex.split(f"--target {target}" if target else "") + (["--vars", dbt_vars] if dbt_vars else [])
    parsed = invoke(["parse", *flags])  # once for every step: the steps differ in selection, not in flags
    if not parsed.success:
        print(f"run_job: job {job_key}: dbt parse failed", file=sys.stderr)
        return exit_code(parsed)
    total = len(commands)
    for number, args in enumerate(commands, start=1):
        command = shlex.join(args)
        is_docs = job.get("generate_docs") and number == total
        print(f"==> {job_key} step {number}/{total}: {command}", flush=True)
        returncode = exit_code(invoke(args[1:], manifest=parsed.result))
        if returncode == 0:
            continue
        if is_docs:  # as in dbt Cloud, a failed docs generation does not fail the job
            print(f"run_job: warning: step {number}/{total} failed (exit {returncode}): {command}", file=sys.stderr)
            break
        print(
            f"run_job: job {job_key} failed at step {number}/{total} (exit {returncode}): {command}\n"
            f"run_job: {total - number} later step(s) not run",
            file=sys.stderr,
        )
        return returncode
    print(f"==> {job_key}: done", flush=True)
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
