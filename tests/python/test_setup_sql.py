"""Static checks of the Snowflake setup SQL (setup/*.sql) and of the committed profiles; no account needed.

- setup/01_raw_load.sql loads each raw table with ON_ERROR = CONTINUE and keeps its rejected rows (its columns
  and types are those of src/f1ml/raw/tables.py: test_raw_contract.py);
- no grant goes to PUBLIC, and the scripts never replace or drop a database or schema;
- no password, key or other secret literal is in profiles.yml, profiles.yml.example or setup/.
"""

import re
from pathlib import Path

import pytest
import yaml

from f1ml import PROJECT_DIR
from f1ml.raw.tables import TABLES

SETUP = PROJECT_DIR / "setup"
RAW_LOAD = SETUP / "01_raw_load.sql"
SETUP_FILES = sorted(SETUP.glob("*.sql"))
PROFILE_FILES = [PROJECT_DIR / "profiles.yml", PROJECT_DIR / "profiles.yml.example"]

# tables.py type -> Snowflake type in the DDL.
SNOWFLAKE_TYPES = {"INTEGER": "NUMBER(38,0)", "FLOAT": "FLOAT", "VARCHAR": "VARCHAR", "DATE": "DATE"}
# Tables the script creates besides the 14 raw tables.
EXTRA_TABLES = {"load_errors"}


def strip_comments(sql: str) -> str:
    """SQL without /* */ and -- comments (the setup files have no comment markers inside string literals)."""
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", sql)


def statements(path: Path) -> list[str]:
    """The statements of a setup file, comments removed, whitespace collapsed."""
    return [" ".join(s.split()) for s in strip_comments(path.read_text()).split(";") if s.strip()]


def split_top_level(text: str) -> list[str]:
    """Split a column list at the commas outside parentheses (NUMBER(38,0) stays whole)."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


CREATE_TABLE = re.compile(
    r"^create or replace table formula1\.raw\.(\w+) \((.*)\) copy grants$", re.IGNORECASE | re.DOTALL
)


def created_tables() -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, type), ...]} for every `create or replace table ... (columns)` in 01_raw_load.sql."""
    tables = {}
    for statement in statements(RAW_LOAD):
        match = CREATE_TABLE.match(statement)
        if not match:
            continue
        name = match.group(1)
        assert name not in tables, f"table {name} is created twice"
        columns = []
        for definition in split_top_level(match.group(2)):
            column, _, type_ = definition.partition(" ")
            columns.append((column, re.sub(r"\s+", "", type_).upper()))
        tables[name] = columns
    return tables


def test_setup_files_exist_in_order():
    names = [p.name for p in SETUP_FILES]
    assert names[:2] == ["01_raw_load.sql", "02_roles_and_grants.sql"], names
    assert all(re.match(r"^\d\d_\w+\.sql$", n) for n in names), names


def test_column_names_are_upper_case_and_points_are_float():
    for name, columns in created_tables().items():
        for column, type_ in columns:
            assert column == column.upper(), f"{name}.{column} is not upper-case"
            if column == "POINTS":
                assert type_ == "FLOAT", f"{name}.POINTS must be FLOAT (half points)"


def test_every_table_is_loaded_once_with_errors_kept():
    sql = statements(RAW_LOAD)
    for table in TABLES:
        copies = [s for s in sql if re.match(rf"^copy into formula1\.raw\.{table.name} ", s, re.IGNORECASE)]
        assert len(copies) == 1, f"expected one COPY INTO {table.name}"
        copy = copies[0].lower()
        assert f"files = ('{table.name}.csv')" in copy
        assert "on_error = 'continue'" in copy
        assert "match_by_column_name" not in copy, "headers are camelCase: load by position"
        validations = [
            s
            for s in sql
            if re.search(rf"validate\(formula1\.raw\.{table.name}, job_id => '_last'\)", s, re.IGNORECASE)
        ]
        assert len(validations) == 1, f"rejected rows of {table.name} must be kept aside"
        # The validation must follow this table's COPY directly ('_last' is the session's last load).
        assert sql.index(validations[0]) == sql.index(copies[0]) + 1


def test_load_report_lists_all_tables():
    report = statements(RAW_LOAD)[-1].lower()
    assert "information_schema.load_history" in report
    for table in TABLES:
        assert f"('{table.name}')" in report, f"load report misses {table.name}"


def test_file_format_and_stage():
    sql = " ".join(statements(RAW_LOAD)).lower()
    assert "field_optionally_enclosed_by = '\"'" in sql
    assert "skip_header = 1" in sql
    assert "null_if = ('\\\\n')" in sql  # \N written as '\\N' in a Snowflake string literal
    assert "url = 's3://formula1-dbt-cloud-python-demo/formula1-kaggle-data/'" in sql


@pytest.mark.parametrize("path", SETUP_FILES, ids=lambda p: p.name)
def test_no_database_or_schema_is_replaced_or_dropped(path):
    for statement in statements(path):
        s = statement.lower()
        assert not re.match(r"^create or replace (database|schema)\b", s), statement
        assert not re.match(r"^drop\b", s), statement
        if re.match(r"^create (database|schema|warehouse|role)\b", s):
            assert " if not exists " in f" {s} ", f"not idempotent: {statement}"
        if re.match(r"^create (or replace )?stage\b", s) and "ml_model_stage" in s:
            pytest.fail("the model stage is created by macros/create_model_stage.sql only")


@pytest.mark.parametrize("path", SETUP_FILES, ids=lambda p: p.name)
def test_nothing_is_granted_to_public(path):
    for statement in statements(path):
        s = statement.lower()
        if s.startswith("grant"):
            assert not re.search(r"\bto\s+(role\s+)?public\b", s), statement
            assert not re.search(r"\bto\s+share\b", s), statement
            assert "all privileges" not in s, statement


def test_roles_and_least_privilege():
    sql = [s.lower() for s in statements(SETUP / "02_roles_and_grants.sql")]
    grants = [s for s in sql if s.startswith("grant")]
    reporter = [g for g in grants if g.endswith("to role reporter")]
    # The reporter reads production and nothing else: no create, no raw data, no dev schemas.
    assert reporter and all(g.startswith(("grant usage on", "grant select on")) for g in reporter), reporter
    for g in reporter:
        assert "formula1" not in g and ("warehouse" in g or "analytics" in g), g
        if " on schema " in g:
            assert "analytics.production" in g, g
    assert "grant select on future tables in schema analytics.production to role reporter" in grants
    # The transformer reads raw (now and future tables) and never owns or replaces production.
    assert "grant select on future tables in schema formula1.raw to role transformer" in grants
    assert not any(g.startswith("grant ownership") for g in grants)
    assert not any("formula1" in g and "create" in g for g in grants), "raw is read only for dbt"


# Secrets: keys whose value must come from an environment variable, and patterns that must never appear.
SECRET_KEYS = {"password", "private_key", "private_key_passphrase", "token", "oauth_client_secret"}
EMPTY_DEFAULT_ENV = re.compile(r"^\{\{\s*env_var\('SNOWFLAKE_[A-Z_]+',\s*''\)\s*\}\}$")
SECRET_LITERALS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"(aws_secret_key|aws_key_id|azure_sas_token|aws_token)\s*=", re.IGNORECASE),
    re.compile(r"\bcredentials\s*=\s*\(", re.IGNORECASE),
    # create/alter user ... password = 'literal' (a '<placeholder>' is allowed)
    re.compile(r"\b(password|rsa_public_key)\s*=\s*'[^'<]", re.IGNORECASE),
]


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.name)
def test_profiles_read_secrets_only_from_environment(path):
    profile = yaml.safe_load(path.read_text())["formula1_ml"]
    assert profile["target"] == "{{ env_var('DBT_TARGET', 'duckdb') }}", "duckdb stays the default target"
    outputs = profile["outputs"]
    assert set(outputs) == {"duckdb", "snowflake", "prod"}  # the fakesnow target is a test-only profile
    for name, output in outputs.items():
        for key in SECRET_KEYS & set(output):
            message = f"{path.name}: {name}.{key} must be env_var('SNOWFLAKE_...', '')"
            assert EMPTY_DEFAULT_ENV.match(str(output[key])), message
        if output["type"] == "snowflake":
            for key in ("account", "user"):
                assert re.fullmatch(rf"\{{\{{ env_var\('SNOWFLAKE_{key.upper()}'\) \}}\}}", output[key]), key
            assert output["threads"] == 4
    assert outputs["prod"]["schema"] == "production"
    assert "SNOWFLAKE_SCHEMA" in outputs["snowflake"]["schema"]


@pytest.mark.parametrize("path", [*PROFILE_FILES, *SETUP_FILES], ids=lambda p: p.name)
def test_no_secret_literals(path):
    text = path.read_text()
    for pattern in SECRET_LITERALS:
        assert not pattern.search(text), f"{path.name}: looks like a secret ({pattern.pattern})"


def test_example_profile_matches_committed_profile():
    committed = yaml.safe_load(PROFILE_FILES[0].read_text())
    example = yaml.safe_load(PROFILE_FILES[1].read_text())
    assert example == committed, "profiles.yml.example must be the commented copy of profiles.yml"
