"""f1ml.settings owns the defaults every tool reads; dbt's files, which cannot import Python, repeat them."""

from pathlib import Path

import yaml
from conftest import PROJECT_DIR

from f1ml import settings


def test_dbt_files_repeat_the_defaults_of_f1ml_settings():
    duckdb = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["formula1_ml"]["outputs"]["duckdb"]
    assert duckdb["path"] == f"{{{{ env_var('F1_DUCKDB_PATH', '{settings.DUCKDB_FILE}') }}}}"
    assert duckdb["plugins"][0]["config"]["schema"] == f"{{{{ var('raw_schema', '{settings.RAW_SCHEMA}') }}}}"
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert variables["raw_schema"] == settings.RAW_SCHEMA
    assert variables["model_registry_dir"] == settings.MODEL_REGISTRY_DIR


def test_the_database_is_f1_duckdb_path_relative_to_the_project_as_for_dbt():
    assert settings.default_database({}) == PROJECT_DIR / "formula1.duckdb"
    assert settings.default_database({"F1_DUCKDB_PATH": "runs/a.duckdb"}) == PROJECT_DIR / "runs" / "a.duckdb"
    assert settings.default_database({"F1_DUCKDB_PATH": "/data/b.duckdb"}) == Path("/data/b.duckdb")
    assert settings.default_database({"F1_DUCKDB_PATH": ""}) == PROJECT_DIR / "formula1.duckdb"  # empty: unset


def test_the_registry_is_in_the_project():
    assert settings.default_model_registry() == PROJECT_DIR / "model_registry"
