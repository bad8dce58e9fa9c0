"""Measuring one step: a process run to completion, its wall time, the peak memory of its process tree, and what
its log says (dbt's summary line, failed nodes); the machine it ran on."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil

from f1ml import PROJECT_DIR

POLL_SECONDS = 0.05
MIB = 1024 * 1024


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
    # alone step only: [[node, seconds inside the build, seconds alone], ...] for the build's slowest nodes
    inside_and_alone: list[list] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def portable(path: Path | str, work_dir: Path) -> str:
    """A path as the results record it: relative to the project, else to the work directory; never absolute."""
    path = Path(path)
    for base, prefix in ((PROJECT_DIR, "."), (work_dir, "<work-dir>")):
        with contextlib.suppress(ValueError):
            relative = path.resolve().relative_to(base.resolve())
            return str(relative) if prefix == "." else f"{prefix}/{relative}".removesuffix("/.")
    return f"<outside the project>/{path.name}" if path.is_absolute() else str(path)


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


def run_measured(name: str, command: list[str], env: dict, log_path: Path, work_dir: Path) -> Step:
    """Run one step to completion; wall time, peak RSS of its process tree, exit code, log."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    ticker = _Ticker(name, log_path)
    print(f"  {name:<16} $ {' '.join(command[:6])}{' ...' if len(command) > 6 else ''}", flush=True)
    load_average = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        child = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
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
    step = Step(name, round(seconds, 3), round(peak / MIB, 1), child.returncode, portable(log_path, work_dir))
    step.load_average = load_average
    step.summary, step.failures = _summary_line(log_path), _failures(log_path)
    verdict = "ok" if step.ok else f"FAILED (exit {step.exit_code}), see {log_path}"
    print(f"  {name:<16} {seconds:7.1f}s  peak {step.peak_rss_mib:7.0f} MiB  load average {load_average[0]:.2f} at "
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
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
        )
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
