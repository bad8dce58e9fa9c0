"""The project's defaults, one owner each: the project directory, the DuckDB file, the raw schema and the local
model registry. Every tool reads them from here. dbt's own files cannot import Python, so profiles.yml and
dbt_project.yml write the same values, and tests/python/test_settings.py fails when they differ. Every
environment variable the project reads: docs/configuration.md.
"""

import os
from pathlib import Path

# The checkout this package is installed from: the install is editable, so the tools find the dbt project,
# its data and its database next to their own source.
PROJECT_DIR = Path(__file__).resolve().parents[2]

# The DuckDB file dbt builds, relative to the project (dbt runs there): profiles.yml, target duckdb, path.
DUCKDB_FILE = "formula1.duckdb"
# The schema f1-load-raw fills and the sources read: dbt var raw_schema.
RAW_SCHEMA = "raw"
# Where DuckDB runs keep model versions, relative to the project: dbt var model_registry_dir.
MODEL_REGISTRY_DIR = "model_registry"


def default_database(environ=os.environ) -> Path:
    """The DuckDB file: F1_DUCKDB_PATH (relative to the project, as in profiles.yml), else DUCKDB_FILE."""
    return PROJECT_DIR / (environ.get("F1_DUCKDB_PATH") or DUCKDB_FILE)


def default_model_registry() -> Path:
    """The local model registry (dbt var model_registry_dir's default)."""
    return PROJECT_DIR / MODEL_REGISTRY_DIR
