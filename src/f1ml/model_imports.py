"""The libraries the project's Python models import, imported once before any model runs (DuckDB target).

dbt-duckdb runs Python models in dbt's own process, on its worker threads. Two models that import scikit-learn for
the first time at the same moment can fail with "cannot import name 'clone' from partially initialized module
'sklearn.base'": Python's per-module import locks give up on scikit-learn's circular imports across threads (7 of
8 tries with the backtest's and the training model's imports started together; docs/decisions.md, 60). The raw
plugin calls preload() when dbt opens the database, before any node runs, so the models find them loaded. On
Snowflake each model runs in a process of its own and the race cannot happen.
"""

import importlib

# Every third-party module a file of models/ imports, at its top or inside a function (pyarrow: DuckDB scoring);
# tests/python/test_model_imports.py fails when a model imports one that is not here.
PYTHON_MODEL_LIBRARIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "joblib",
    "threadpoolctl",
    "sklearn",
    "sklearn.base",
    "sklearn.compose",
    "sklearn.impute",
    "sklearn.linear_model",
    "sklearn.pipeline",
    "sklearn.preprocessing",
)


def preload() -> None:
    for name in PYTHON_MODEL_LIBRARIES:
        importlib.import_module(name)
