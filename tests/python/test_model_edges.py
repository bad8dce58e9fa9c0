"""The engine edges of the Python models stay identical copies.

dbt ships each Python model to Snowflake as one self-contained file, so a model cannot import a helper
module; the small functions that touch the engine (to_pandas, to_engine, the artifact readers...) are
repeated in the files that need them. This test keeps each repeated definition word for word the same,
so there is still one implementation of each idea.
"""

import ast
from collections import defaultdict

from conftest import PROJECT_DIR

MODEL_FILES = sorted((PROJECT_DIR / "models").rglob("*.py"))


def top_level_definitions():
    found = defaultdict(dict)
    for path in MODEL_FILES:
        source = path.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name != "model":
                found[node.name][path.relative_to(PROJECT_DIR)] = ast.get_source_segment(source, node)
    return found


def test_there_are_python_models():
    assert len(MODEL_FILES) >= 10


def test_repeated_definitions_are_identical():
    repeated = {name: copies for name, copies in top_level_definitions().items() if len(copies) > 1}
    assert "to_pandas" in repeated and "to_engine" in repeated
    for name, copies in repeated.items():
        distinct = set(copies.values())
        assert len(distinct) == 1, f"{name} differs between {', '.join(map(str, copies))}"
