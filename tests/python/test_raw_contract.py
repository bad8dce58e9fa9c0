"""The raw tables are declared once, in src/f1ml/raw/tables.py (the loader reads it), and two hand-written files
repeat them: the sources (models/staging/_sources.yml, with each column's description and tests) and the
Snowflake setup (setup/01_raw_load.sql, run as it is by an admin). One test checks both against the declaration
(docs/decisions.md, "The raw schema is checked, not generated"). Also here: optional columns, the Snowflake file
formats that pad them, and the profile that makes dbt load absent raw tables on DuckDB only.
"""

import re
import subprocess
import sys

import pytest
import yaml
from conftest import PROJECT_DIR
from test_setup_sql import RAW_LOAD, SNOWFLAKE_TYPES, created_tables, statements

from f1ml.raw.tables import TABLES

SOURCES = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text())["sources"][0]
SOURCE_TABLES = {table["name"]: table for table in SOURCES["tables"]}
RAGGED_FORMAT = "formula1.raw.csvformat_ragged"


def data_tests_of(column: dict) -> list[str]:
    return [test if isinstance(test, str) else next(iter(test)) for test in column.get("data_tests", [])]


def test_the_setup_sql_and_the_sources_declare_exactly_the_tables_of_tables_py():
    declared = {
        "setup/01_raw_load.sql": {
            t.name: [(c.name.upper(), SNOWFLAKE_TYPES[c.type]) for c in t.columns] for t in TABLES
        },
        "_sources.yml": [(t.name, [c.name for c in t.columns]) for t in TABLES],  # a list: the same order too
    }
    found = {
        "setup/01_raw_load.sql": created_tables(),
        "_sources.yml": [(name, [c["name"] for c in table["columns"]]) for name, table in SOURCE_TABLES.items()],
    }
    assert found == declared


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_optional_columns_are_trailing_and_never_required_by_a_source_test(table):
    flags = [column.optional for column in table.columns]
    # A row can only end early: its absent fields are the last ones, so optional columns must come last.
    assert flags == sorted(flags), f"{table.name}: optional columns must follow every required one"
    columns = {column["name"]: column for column in SOURCE_TABLES[table.name]["columns"]}
    for column in table.columns:
        if column.optional:
            assert "not_null" not in data_tests_of(columns[column.name]), f"{table.name}.{column.name} may be null"
            assert column.name not in table.key


def copy_statement(table: str) -> str:
    return next(s.lower() for s in statements(RAW_LOAD) if s.lower().startswith(f"copy into formula1.raw.{table} "))


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_snowflake_pads_exactly_the_tables_with_optional_columns(table):
    uses_ragged_format = f"format_name = '{RAGGED_FORMAT}'" in copy_statement(table.name)
    assert uses_ragged_format == any(column.optional for column in table.columns), table.name


def test_ragged_file_format_accepts_short_rows_and_the_strict_one_does_not():
    formats = {}
    for statement in statements(RAW_LOAD):
        match = re.match(r"create or replace file format (\S+) (.*)", statement, re.IGNORECASE)
        if match:
            formats[match.group(1).lower()] = match.group(2).lower()
    assert "error_on_column_count_mismatch = true" in formats["formula1.raw.csvformat"]
    assert "error_on_column_count_mismatch = false" in formats[RAGGED_FORMAT]
    # Apart from that one option, the two formats read files the same way.
    mismatch = "error_on_column_count_mismatch = "
    strict = formats["formula1.raw.csvformat"].replace(mismatch + "true", mismatch + "false")
    assert strict == formats[RAGGED_FORMAT]


def test_only_the_duckdb_target_loads_absent_raw_tables():
    outputs = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["formula1_ml"]["outputs"]
    plugins = {name: output.get("plugins") for name, output in outputs.items()}
    assert plugins.pop("duckdb") == [
        {"module": "f1ml.raw.dbt_plugin", "alias": "raw_load", "config": {"schema": "{{ var('raw_schema', 'raw') }}"}}
    ]
    assert set(plugins.values()) == {None}, "Snowflake targets must never run the local loader"
    # The plugin comes from the installed package (src/f1ml), not from a path relative to where dbt runs.
    assert "module_paths" not in outputs["duckdb"]


def test_the_plugin_is_importable_from_anywhere(tmp_path):
    """dbt imports the plugin module wherever it runs: from the installed package, not from the project directory."""
    command = [sys.executable, "-c", "from f1ml.raw.dbt_plugin import Plugin; print(Plugin.__module__)"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.strip() == "f1ml.raw.dbt_plugin", result.stderr
