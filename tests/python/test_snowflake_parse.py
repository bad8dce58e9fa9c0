"""The project parses for the duckdb and snowflake targets without an account; schema names are as documented.

`dbt parse` renders the profile, every model, macro and yml without connecting, so dummy credentials
from environment variables are enough. The snowflake parse runs here, with its own temporary target and log
paths (the project's target/ and logs/ are left alone); the duckdb manifest is the session's scripts/run's. The
prod target differs from snowflake only by its schema, which the generate_schema_name tests below cover.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from conftest import DUMMY_SNOWFLAKE_ENV

from f1ml import PROJECT_DIR

DEV_SCHEMA = DUMMY_SNOWFLAKE_ENV["SNOWFLAKE_SCHEMA"]


def dbt_env(tmp: Path, extra: dict[str, str]) -> dict[str, str]:
    """The current environment without any real Snowflake setting or target choice, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_") and k != "DBT_TARGET"}
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        F1_DUCKDB_PATH=str(tmp / "parse.duckdb"),
        **extra,
    )
    return env


def parse_command(target: str, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "dbt.cli.main", "parse",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target", target,
        "--target-path", str(out / "target"), "--log-path", str(out / "logs"),
    ]  # fmt: skip


def start_parse(target: str, tmp: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    out = tmp / target
    process = subprocess.Popen(
        parse_command(target, out),
        cwd=PROJECT_DIR,
        env=dbt_env(tmp, extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, out / "target" / "manifest.json"


@pytest.fixture(scope="module")
def manifests(tmp_path_factory, scripts_run) -> dict[str, dict]:
    """The manifest of each target: snowflake's from a parse here (or a failure with dbt's output), duckdb's from
    the session's scripts/run, which parsed for it, rather than a second parse of the same project."""
    process, manifest = start_parse("snowflake", tmp_path_factory.mktemp("parse"), DUMMY_SNOWFLAKE_ENV)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, f"dbt parse --target snowflake failed:\n{output}"
    built, _ = scripts_run
    return {"snowflake": json.loads(manifest.read_text()),
            "duckdb": json.loads((built / "target" / "manifest.json").read_text())}  # fmt: skip


def models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_duckdb_parse(manifests):
    manifest = manifests["duckdb"]
    assert manifest["metadata"]["adapter_type"] == "duckdb"
    for node in models(manifest):
        custom = node["config"].get("schema")
        assert node["schema"] == ("main" if not custom else f"main_{custom}"), node["unique_id"]


def test_snowflake_dev_parse_builds_in_the_personal_schema(manifests):
    manifest = manifests["snowflake"]
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    for node in models(manifest):
        custom = node["config"].get("schema")
        assert node["schema"] == (DEV_SCHEMA if not custom else f"{DEV_SCHEMA}_{custom}"), node["unique_id"]
        assert node["database"] == "analytics", "SNOWFLAKE_DATABASE defaults to analytics"


def test_missing_account_stops_with_a_clear_message(tmp_path):
    env = dbt_env(tmp_path, {"SNOWFLAKE_USER": "dummy_user"})
    command = parse_command("snowflake", tmp_path)
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SNOWFLAKE_ACCOUNT" in result.stdout + result.stderr


# generate_schema_name and create_model_stage, rendered by plain Jinja with stand-ins for dbt's context.


class Relation:
    database, schema = "analytics", "production"


def render_macro(path: str, call: str, **context) -> str:
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    return environment.from_string((PROJECT_DIR / path).read_text() + call).render(**context).strip()


@pytest.mark.parametrize(
    ("target_name", "target_schema", "custom", "expected"),
    [
        ("snowflake", "dbt_jdoe", None, "dbt_jdoe"),
        ("snowflake", "dbt_jdoe", "ml", "dbt_jdoe_ml"),
        ("duckdb", "main", "ml", "main_ml"),
        ("prod", "production", None, "production"),
        ("prod", "production", " ml ", "ml"),
    ],
)
def test_generate_schema_name(target_name, target_schema, custom, expected):
    target = {"name": target_name, "schema": target_schema}
    call = "{{ generate_schema_name(custom, none) }}"
    rendered = render_macro("macros/generate_schema_name.sql", call, target=target, custom=custom)
    assert rendered == expected


@pytest.mark.parametrize(
    ("stage_name", "expected"),
    [
        (None, "create stage if not exists analytics.production.ml_model_stage"),
        ("other_stage", "create stage if not exists analytics.production.other_stage"),
        ("db.sch.stage", "create stage if not exists db.sch.stage"),
    ],
)
def test_create_model_stage_never_replaces(stage_name, expected):
    rendered = render_macro(
        "macros/create_model_stage.sql",
        "{{ snowflake__create_model_stage(stage_name) }}",
        stage_name=stage_name,
        var={"model_stage": "ml_model_stage"}.__getitem__,
        this=Relation(),
        target={"database": "analytics", "schema": "dbt_jdoe"},
    )
    assert rendered.startswith(expected)
    assert "replace" not in rendered.split("comment")[0]
    other = render_macro("macros/create_model_stage.sql", "{{ default__create_model_stage() }}")
    assert other == "", "on DuckDB the hook must render to nothing"
