"""The Python models' libraries are loaded before any model runs (f1ml.model_imports, docs/decisions.md, 60):
dbt-duckdb runs the models on threads of one process, and two of them importing scikit-learn at once failed
("partially initialized module 'sklearn.base'") in 7 of 8 tries before the preload."""

import ast
import subprocess
import sys

from conftest import PROJECT_DIR

from f1ml.model_imports import PYTHON_MODEL_LIBRARIES

MODELS = sorted((PROJECT_DIR / "models").rglob("*.py"))
# The two models that start together when the build reaches the ML tables: the backtest and the training.
TOGETHER = ["models/ml/backtest/ml_backtest_predictions.py",
            "models/ml/training_and_prediction/train_model_to_predict_position.py"]  # fmt: skip
# Both models' imports, each on a thread, released at the same instant after DuckDB and pandas are loaded (dbt's
# process has them by then); prints the first error, or "ok".
RACE = """
import sys, threading, duckdb, pandas
if sys.argv[1] == "preload":
    from f1ml.model_imports import preload
    preload()
errors, barrier = [], threading.Barrier(len(sys.argv) - 2)
def run(path):
    lines = [line for line in open(path) if line.startswith(("import ", "from "))]
    barrier.wait()
    try:
        exec("".join(lines), {})
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=run, args=(path,)) for path in sys.argv[2:]]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(errors[0] if errors else "ok")
"""


def third_party_imports(path) -> set[str]:
    """The modules a file imports that are neither the standard library's nor Snowpark's (Snowflake only)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    # duckdb: dbt-duckdb itself runs on it, so it is loaded before any model
    outside = set(sys.stdlib_module_names) | {"snowflake", "duckdb"}
    return {name for name in found if name.split(".")[0] not in outside}


def test_every_library_a_model_imports_is_preloaded():
    imported = set().union(*(third_party_imports(path) for path in MODELS))
    assert {"sklearn.base", "sklearn.linear_model", "pandas", "threadpoolctl"} <= imported
    assert imported - set(PYTHON_MODEL_LIBRARIES) == set()


def test_two_models_importing_at_once_succeed_after_the_preload():
    command = [sys.executable, "-c", RACE, "preload", *(str(PROJECT_DIR / path) for path in TOGETHER)]
    for _ in range(3):
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "ok", done.stdout + done.stderr


def test_the_preload_leaves_the_process_on_one_blas_thread():
    """A model's own limit restores, on leaving, the limit it found: after the preload that is one thread, so a
    model finishing on one of dbt's threads cannot lift the limit under a fit running on another."""
    check = (
        "from threadpoolctl import threadpool_info, threadpool_limits\n"
        "from f1ml.model_imports import preload\n"
        "preload()\n"
        "with threadpool_limits(limits=1):\n"
        "    pass\n"
        "print(max(pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas'))\n"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1", done.stdout + done.stderr
