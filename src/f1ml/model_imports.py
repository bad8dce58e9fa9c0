"""The libraries the project's Python models import, imported once before any model runs (DuckDB target).

dbt-duckdb runs Python models in dbt's own process, on its worker threads. Two models that import scikit-learn for
the first time at the same moment can fail with "cannot import name 'clone' from partially initialized module
'sklearn.base'": Python's per-module import locks give up on scikit-learn's circular imports across threads (7 of
8 tries with the backtest's and the training model's imports started together; docs/decisions.md, 60). The raw
plugin calls preload() when dbt opens the database, before any node runs, so the models find them loaded, and
the process's BLAS limited to one thread. On Snowflake each model runs in a process of its own: neither race can
happen there.
"""

import importlib

from threadpoolctl import threadpool_limits

# Every third-party module a file of models/ imports, at its top or inside a function (pyarrow: DuckDB scoring);
# tests/python/test_model_imports.py fails when a model imports one that is not here.
PYTHON_MODEL_LIBRARIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "joblib",
    "joblib.numpy_pickle",
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
    # One BLAS thread for the whole process (decision 39). Each model also limits its own pool, in a context that
    # restores, on leaving, the limit it found; with models on several of dbt's threads, one leaving lifted the limit
    # under a fit still running on another (the backtest's threads beside training: the artifact's bytes changed
    # from one run to the next). With the process at one thread, every context finds one and leaves one.
    threadpool_limits(limits=1)
