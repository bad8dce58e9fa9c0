"""Definitions repeated across Python models stay identical copies.

dbt ships each Python model to Snowflake as one self-contained file, so a model cannot import a helper
module: the functions that touch the engine (to_pandas, to_engine, the artifact stores...) and the ones
training, backtest and prediction share (build_pipeline, decide, the metrics, the feature list...) are
repeated in the files that need them. This test keeps every repeated top-level definition, function, class or
constant, word for word the same, so there is still one implementation of each idea.
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
                name = node.name
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
            else:
                continue
            found[name][path.relative_to(PROJECT_DIR)] = ast.get_source_segment(source, node)
    return found


def test_the_shared_definitions_are_repeated_where_the_design_says():
    repeated = {name: set(copies) for name, copies in top_level_definitions().items() if len(copies) > 1}
    training = "models/ml/training_and_prediction/train_model_to_predict_position.py"
    backtest = "models/ml/backtest/ml_backtest_predictions.py"
    for name in ("build_pipeline", "decide", "canonical_rows", "grid_slot_frequencies", "FEATURES"):
        assert {str(path) for path in repeated[name]} >= {training, backtest}, name
    ml_models = [path for path in MODEL_FILES if "ml" in path.relative_to(PROJECT_DIR).parts]
    assert len(repeated["DirectoryStore"]) == 3 and len(repeated["to_pandas"]) == len(ml_models) == 6


def test_repeated_definitions_are_identical():
    for name, copies in top_level_definitions().items():
        distinct = set(copies.values())
        assert len(distinct) == 1, f"{name} differs between {', '.join(map(str, copies))}"
