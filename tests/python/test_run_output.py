"""What a person sees in the terminal (issue 20, "The run and the tools"): scripts/run reads like progress, a
failing build names every failing node with its message, the summary is plain text, scripts/query prints
DuckDB's message without a traceback.

scripts/run runs as on a fresh clone, with its database, dbt target, logs and model registry in a temporary
directory (the session's `scripts_run` of conftest.py; the environment is already installed, so bootstrap's own
lines are counted separately).
"""

import io
import json
import re
import subprocess
import sys
from types import SimpleNamespace

import duckdb
from conftest import PROJECT_DIR, dbt_env

from f1ml.run_job import NodeProgress
from f1ml.summary import plain_text

MAX_LINES = 60  # issue 20: "at most about 60 lines when everything passes"
BOOTSTRAP_LINES = 3  # on a fresh clone: creating .venv, installing uv.lock, installed in N s
ANSI = re.compile(r"\x1b\[")
# A var that fails the range tests of rounds per season (they allow up to max_rounds_per_season).
FAILING_VARS = {"max_rounds_per_season": 5}


def registry(root, **extra) -> str:
    return json.dumps({"model_registry_dir": str(root / "registry"), **extra})


def test_scripts_run_prints_at_most_60_lines_and_no_colour_codes(scripts_run):
    _, result = scripts_run
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) + BOOTSTRAP_LINES <= MAX_LINES, "\n".join(lines)
    assert not ANSI.search(result.stdout + result.stderr)
    assert not [line for line in lines if re.search(r"\bSTART\b|\| *[a-z]|\*\*", line)]  # no dbt node lines, Markdown


def test_each_stage_and_step_says_what_it_did_and_how_long_it_took(scripts_run):
    _, result = scripts_run
    out = result.stdout
    assert re.search(r"^total: [\d,]+ rows in 14 tables of raw, 0 padded, 0 rejected, [\d.]+ s$", out, re.M)
    assert re.search(r"^    parsed: \d+ models, \d+ data tests, .*\([\d.]+ s\)$", out, re.M)
    assert re.findall(r"^==> retrain step (\d)/2: dbt (\w+)", out, re.M) == [("1", "build"), ("2", "docs")]
    [(built, build_counts)] = re.findall(r"^    (\d+) nodes: (.*) \([\d.]+ s\)$", out, re.M)
    assert build_counts == f"{int(built) - 1} passed, 1 no-op"  # the exposure has nothing to run
    # The docs step compiles nothing again (f1ml.run_job.DOCS_STEP): it writes the catalog and the site.
    assert re.search(r"^==> retrain step 2/2: dbt docs generate .*\n    catalog and docs site written \([\d.]+ s\)$",
                     out, re.M)  # fmt: skip
    assert re.search(r"^Raw data \(schema raw\)\n  [\d,]+ rows in 14 tables", out, re.M)


def test_the_full_dbt_log_is_kept(scripts_run):
    root, result = scripts_run
    log = (root / "logs" / "dbt.log").read_text()
    assert f"dbt's full log: {root / 'logs' / 'dbt.log'}" in result.stdout
    assert len(re.findall(r" PASS ", log)) >= 300 and not ANSI.search(log)


def test_the_docs_site_has_every_model_with_its_compiled_sql_and_its_columns(scripts_run):
    """The retrain job's docs step skips compiling (f1ml.run_job.DOCS_STEP): the build's manifest.json must
    already hold every model's compiled SQL, and the catalog every model's table or view."""
    root, _ = scripts_run
    target = root / "target"
    assert (target / "index.html").is_file()
    models = {uid: node for uid, node in json.loads((target / "manifest.json").read_text())["nodes"].items()
              if node["resource_type"] == "model"}  # fmt: skip
    assert len(models) > 50 and [uid for uid, node in models.items() if not node.get("compiled_code")] == []
    catalog = json.loads((target / "catalog.json").read_text())["nodes"]
    assert sorted(set(models) - set(catalog)) == []
    assert all(catalog[uid]["columns"] for uid in models)


def test_a_failing_build_names_every_failing_node_with_its_message(tmp_path):
    env = dbt_env(tmp_path)
    subprocess.run([sys.executable, "-m", "f1ml.load_raw"], cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    job = subprocess.run(
        [sys.executable, "-m", "f1ml.run_job", "retrain", "--vars", registry(tmp_path, **FAILING_VARS)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert job.returncode == 1
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[2]: r["message"] for r in results if r["status"] in ("fail", "error")}
    assert len(failed) >= 2  # the range tests of rounds and wins
    printed = dict(re.findall(r"^    FAIL test (\S+): (.*)$", job.stdout, re.M))
    assert printed == failed
    summary = subprocess.run(
        [sys.executable, "-m", "f1ml.summary"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert summary.returncode == 0, summary.stderr
    listed = re.findall(r"^  FAIL (\S+): (.*)$", summary.stdout, re.M)
    assert {unique_id.split(".")[2]: message for unique_id, message in listed} == failed


def fake_event(name, level="info", **data):
    info = SimpleNamespace(name=name, level=level, msg=data.pop("msg", ""))
    return SimpleNamespace(info=info, data=SimpleNamespace(**data))


def finished(status, name, message=None):
    node = SimpleNamespace(unique_id=f"test.p.{name}", node_name=name, resource_type="test", node_status=status)
    return fake_event("NodeFinished", node_info=node, run_result=SimpleNamespace(status=status, message=message))


def shown_on_a_terminal(text: str) -> list[str]:
    """The lines a terminal keeps: a carriage return goes back to the line's start (NodeProgress then writes a
    whole line, or erases it with ESC [K)."""
    lines, current = [], ""
    for part in re.split(r"(\r|\n|\x1b\[K)", text):
        if part == "\n":
            lines.append(current)
            current = ""
        elif part == "\r":
            current = ""
        elif part != "\x1b[K":
            current += part
    return lines + ([current] if current else [])


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_progress_line_is_rewritten_in_place_and_failures_stay():
    out = Terminal()
    progress = NodeProgress(out)
    progress(fake_event("LogStartLine", node_info=SimpleNamespace(unique_id="test.p.a"), total=3))
    progress(finished("pass", "a"))
    progress(finished("fail", "b", "Got 2 results, configured to fail if != 0"))
    progress(fake_event("DeprecatedModel", level="warn", msg="a warning of dbt's own", node_info=None))
    progress(finished("pass", "c"))
    progress.close()
    assert shown_on_a_terminal(out.getvalue()) == [
        "    FAIL test b: Got 2 results, configured to fail if != 0",
        "    a warning of dbt's own",
        "    3 nodes: 2 passed, 1 fail (0.0 s)",
    ]
    assert "1/3 nodes: 1 passed" in out.getvalue()


def test_not_on_a_terminal_there_are_no_escape_codes():
    out = io.StringIO()
    progress = NodeProgress(out)
    progress(finished("pass", "a"))
    progress(finished("error", "b", "Database Error\n  line two"))
    progress.close()
    assert out.getvalue().splitlines() == [
        "    ERROR test b: Database Error",
        "      line two",
        "    2 nodes: 1 passed, 1 error (0.0 s)",
    ]


def test_markdown_becomes_plain_text():
    markdown = (
        "Hold-out season **2024**: fine.\n\n"
        "| season | model log loss | note |\n|---|---:|---|\n| 2015 | 0.669 | a |\n| **mean of 2** | 0.652 | bb |\n\n"
        "- Target: **met** (10 of 10)."
    )
    assert plain_text(markdown).splitlines() == [
        "Hold-out season 2024: fine.",
        "              model",
        "season     log loss  note",
        "2015          0.669  a",
        "mean of 2     0.652  bb",
        "- Target: met (10 of 10).",
    ]


def test_query_prints_duckdb_s_message_without_a_traceback(tmp_path):
    database = tmp_path / "f1.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table laps as select 1 as lap")
    env = dbt_env(tmp_path)
    ok = subprocess.run(
        ["bash", "scripts/query", "select lap from laps"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0 and "lap" in ok.stdout
    bad = subprocess.run(
        ["bash", "scripts/query", "select * from lapz"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("query: Catalog Error: Table with name lapz does not exist!")
    assert "Traceback" not in bad.stderr + bad.stdout
