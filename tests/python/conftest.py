"""Shared pytest setup: project paths, and importing dbt Python model files as plain modules."""

import importlib.util
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "scripts"))  # f1_raw: table definitions, loader, generator


def load_model_file(relative_path: str):
    """Import a dbt Python model (e.g. models/ml/.../ml_data_prep.py) to test its functions."""
    path = PROJECT_DIR / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
