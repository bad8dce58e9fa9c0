"""The dbt Cloud jobs (jobs/dbt_cloud_jobs.yml): valid for dbt-jobs-as-code, named as in the guide, selecting with
selectors.yml, the predict job unable to train, and f1ml.run_job running exactly the YAML's commands.
Offline: nothing here calls dbt Cloud."""

import json
import os
import shlex
import subprocess
import sys

import pytest
import yaml
from conftest import PROJECT_DIR

from f1ml.run_job import DOCS_STEP

JOBS_FILE = PROJECT_DIR / "jobs" / "dbt_cloud_jobs.yml"
VARS_FILE = PROJECT_DIR / "jobs" / "vars_prod.yml"
RUN_JOB = ["-m", "f1ml.run_job"]
BIN_DIR = os.path.dirname(sys.executable)

GUIDE_NAMES = {
    "retrain": "Machine learning initial model build or retraining",
    "predict": "Prediction on data with existing model",
}


def offline_env() -> dict[str, str]:
    """No API key, and a dbt Cloud URL nothing listens on: a call to dbt Cloud could not succeed."""
    env = {k: v for k, v in os.environ.items() if k != "DBT_API_KEY"}
    env["DBT_BASE_URL"] = "http://127.0.0.1:9"
    env["PATH"] = BIN_DIR + os.pathsep + env.get("PATH", "")
    return env


def validate(config, vars_file=VARS_FILE) -> subprocess.CompletedProcess:
    command = [os.path.join(BIN_DIR, "dbt-jobs-as-code"), "validate", str(config)]
    if vars_file:
        command += ["--vars-yml", str(vars_file)]
    return subprocess.run(command, capture_output=True, text=True, env=offline_env(), cwd=PROJECT_DIR, timeout=120)


def jobs() -> dict[str, dict]:
    return yaml.safe_load(JOBS_FILE.read_text())["jobs"]


def selectors_used(step: str) -> list[str]:
    args = shlex.split(step)
    return [args[i + 1] for i, arg in enumerate(args) if arg == "--selector"]


def test_jobs_file_is_valid_for_dbt_jobs_as_code():
    result = validate(JOBS_FILE)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "valid YML format" in output, output  # an empty jobs file also exits 0, silently


BROKEN = {
    "invalid cron": lambda text: text.replace('cron: "0 6,20 * * 1,6"', 'cron: "0 6,20 * * Funday"'),
    "missing execute_steps": lambda text: text.replace(
        "    execute_steps:\n      - dbt build --selector refresh_and_predict\n", ""
    ),
    "non-boolean generate_docs": lambda text: text.replace("generate_docs: true", "generate_docs: sometimes"),
    "undefined template variable": lambda text: text.replace("{{ project_id }}", "{{ projet_id }}"),
}


@pytest.mark.parametrize("breakage", BROKEN)
def test_validation_fails_on_a_broken_copy(tmp_path, breakage):
    text = JOBS_FILE.read_text()
    broken_text = BROKEN[breakage](text)
    assert broken_text != text, f"the breakage {breakage!r} no longer applies to {JOBS_FILE.name}"
    broken = tmp_path / "dbt_cloud_jobs.yml"
    broken.write_text(broken_text)
    result = validate(broken)
    assert result.returncode != 0, result.stdout + result.stderr


def test_templated_file_needs_its_vars():
    assert validate(JOBS_FILE, vars_file=None).returncode != 0


def test_two_jobs_named_as_in_the_guide():
    assert {key: job["name"] for key, job in jobs().items()} == GUIDE_NAMES


def test_retrain_generates_docs_and_commands_select_with_selectors():
    all_jobs = jobs()
    assert all_jobs["retrain"]["generate_docs"] is True
    assert all_jobs["retrain"]["execute_steps"] == ["dbt build --selector retrain"]
    assert all_jobs["predict"]["execute_steps"] == ["dbt build --selector refresh_and_predict"]


def test_every_selector_of_a_step_exists_in_selectors_yml():
    defined = {s["name"] for s in yaml.safe_load((PROJECT_DIR / "selectors.yml").read_text())["selectors"]}
    for key, job in jobs().items():
        for step in job["execute_steps"]:
            used = selectors_used(step)
            assert used, f"{key}: step {step!r} selects without a selector of selectors.yml"
            assert set(used) <= defined, f"{key}: step {step!r} uses an unknown selector"


def test_predict_steps_only_use_the_refresh_and_predict_selector():
    selection_flags = {"--select", "-s", "--models", "-m", "--exclude", "--selector", "--resource-type"}
    for step in jobs()["predict"]["execute_steps"]:
        flags = [arg for arg in shlex.split(step) if arg in selection_flags]
        assert flags == ["--selector"] and selectors_used(step) == ["refresh_and_predict"], step


# The selections the tests below list, by name: dbt ls arguments and resource type.
SELECTIONS = {
    "train": (["--select", "tag:train"], "model"),
    "predict": (["--selector", "predict"], "model"),
    "refresh_and_predict": (["--selector", "refresh_and_predict"], "model"),
    "tag:predict": (["--select", "tag:predict"], "model"),
    "tests of tag:predict": (["--select", "tag:predict"], "test"),
    "tests of predict": (["--selector", "predict"], "test"),
}
# Each selection through `dbt ls`, in one process that parses the project once (dbt's programmatic runner, as
# f1-run-job runs its steps): six dbt processes took half a minute of the suite. Prints {name: [node, ...]}.
LIST_SELECTIONS = """
import json, sys
from dbt.cli.main import dbtRunner
selections, target_path = json.loads(sys.argv[1]), sys.argv[2]
common = ["--target", "duckdb", "--target-path", target_path, "--quiet"]
parsed = dbtRunner().invoke(["parse", *common])
if not parsed.success:
    sys.exit(f"dbt parse failed: {parsed.exception}")
listed = {}
for name, (selection, resource_type) in selections.items():
    result = dbtRunner(manifest=parsed.result).invoke(
        ["ls", *selection, "--resource-type", resource_type, *common,
         "--output", "json", "--output-keys", "name", "tags", "depends_on"])
    if not result.success:
        sys.exit(f"dbt ls {name} failed: {result.exception}")
    listed[name] = [json.loads(line) for line in result.result]
print(json.dumps(listed))
"""


@pytest.fixture(scope="module")
def listed(tmp_path_factory) -> dict[str, list[dict]]:
    """The nodes of each selection of SELECTIONS, as dbt resolves it."""
    result = subprocess.run(
        [sys.executable, "-c", LIST_SELECTIONS, json.dumps(SELECTIONS), str(tmp_path_factory.mktemp("ls_target"))],
        capture_output=True,
        text=True,
        env={**offline_env(), "DBT_PROFILES_DIR": str(PROJECT_DIR)},
        cwd=PROJECT_DIR,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("selector", ["predict", "refresh_and_predict"])
def test_prediction_selections_contain_no_training_model(listed, selector):
    """dbt resolves the selector: nothing tagged train is in a prediction selection."""
    training = {m["name"] for m in listed["train"]}
    assert {"train_model_to_predict_position", "ml_backtest"} <= training, "this test would prove nothing"
    predicted = {m["name"] for m in listed[selector]}
    assert "apply_prediction_to_position" in predicted
    assert not training & predicted


def test_design_card_predict_command_runs_no_test_of_a_model_it_does_not_build(listed):
    """`dbt build --select tag:predict` (eager indirect selection, the CLI default) and the predict selector
    select the same tests, and each of them reads only models the run builds."""
    built = {m["name"] for m in listed["tag:predict"]}
    by_cli, by_selector = listed["tests of tag:predict"], listed["tests of predict"]
    assert by_cli and sorted(t["name"] for t in by_cli) == sorted(t["name"] for t in by_selector)
    for test in by_cli:
        read = {node.split(".")[-1] for node in test["depends_on"]["nodes"] if node.startswith("model.")}
        assert read <= built, f"{test['name']} reads {sorted(read - built)}, which tag:predict does not build"


@pytest.mark.parametrize("key", GUIDE_NAMES)
def test_run_job_dry_run_prints_the_yaml_commands(key):
    job = jobs()[key]
    expected = job["execute_steps"] + ([DOCS_STEP] if job["generate_docs"] else [])
    result = subprocess.run([sys.executable, *RUN_JOB, key, "--dry-run"], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == expected


def test_run_job_appends_target_and_vars():
    result = subprocess.run(
        [
            sys.executable,
            *RUN_JOB,
            "predict",
            "--dry-run",
            "--target",
            "duckdb",
            "--vars",
            "{hold_out_season: 2021}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    commands = [shlex.split(line) for line in result.stdout.splitlines()]
    assert commands == [
        shlex.split(step) + ["--target", "duckdb", "--vars", "{hold_out_season: 2021}"]
        for step in jobs()["predict"]["execute_steps"]
    ]


def test_run_job_rejects_an_unknown_job():
    result = subprocess.run([sys.executable, *RUN_JOB, "train", "--dry-run"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "unknown job 'train'" in result.stderr


def test_run_job_stops_at_the_first_failing_step(tmp_path):
    jobs_file = tmp_path / "jobs.yml"
    steps = ["dbt --version", "dbt no-such-command", "dbt --help"]
    jobs_file.write_text(yaml.safe_dump({"jobs": {"demo": {"execute_steps": steps, "generate_docs": True}}}))
    result = subprocess.run(
        [sys.executable, *RUN_JOB, "demo", "--jobs-file", str(jobs_file)],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=300,
    )
    assert result.returncode != 0
    assert "failed at step 2/4" in result.stderr and "dbt no-such-command" in result.stderr
    assert "step 1/4: dbt --version" in result.stdout
    assert "step 3/4" not in result.stdout and "docs generate" not in result.stdout
