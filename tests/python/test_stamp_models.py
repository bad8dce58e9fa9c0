"""The dbt Python models carry the shared code of src/f1ml/ml they call, current, and nothing else."""

import ast
import shutil

import pytest

from f1ml import PROJECT_DIR
from f1ml.dev import stamp_models

MODEL_FILES = sorted((PROJECT_DIR / "models").rglob("*.py"))


def test_every_python_model_has_a_current_generated_section():
    assert MODEL_FILES and all(stamp_models.find_section(path.read_text()) for path in MODEL_FILES)
    stale = stamp_models.stale_models()
    assert not stale, f"run f1-stamp-models: {', '.join(str(p.relative_to(PROJECT_DIR)) for p in stale)}"


def own_code(text: str) -> ast.Module:
    """The model file without its generated section: what its author wrote."""
    start, end, _ = stamp_models.find_section(text)
    return ast.parse(text[:start] + text[end:])


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.stem)
def test_a_model_lists_exactly_the_shared_definitions_its_own_code_calls(path):
    modules = stamp_models.read_package()
    owners = {name: module.name for module in modules.values() for name in module.definitions}
    text = path.read_text()
    used = {node.id for node in ast.walk(own_code(text)) if isinstance(node, ast.Name) and node.id in owners}
    listed = stamp_models.find_section(text)[2]
    assert sorted(listed) == sorted(f"{owners[name]}.{name}" for name in used)
    assert [node.name for node in own_code(text).body if not isinstance(node, ast.Expr)] == ["model"]


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.stem)
def test_a_model_runs_without_this_repository(path):
    """Snowflake runs the file as one procedure: it imports nothing of the project's package."""
    tree = ast.parse(path.read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "f1ml"}


def stale_after(tmp_path, module: str, old: str, new: str) -> set[str]:
    """The model files made stale by one edit of a copy of the shared code."""
    package, models = tmp_path / module / "ml", tmp_path / module / "models"
    shutil.copytree(stamp_models.PACKAGE_DIR, package)
    shutil.copytree(PROJECT_DIR / "models", models)
    assert stamp_models.stale_models(models, package) == {}
    source = package / f"{module}.py"
    assert old in source.read_text()
    source.write_text(source.read_text().replace(old, new))
    return {path.name for path in stamp_models.stale_models(models, package)}


def test_a_change_to_the_shared_code_makes_exactly_the_models_that_use_it_stale(tmp_path):
    stale = stale_after(tmp_path, "engine", '"""Snowflake keeps unquoted names', '"""Snowflake keeps its names')
    assert stale == {path.name for path in MODEL_FILES if "engine.to_engine" in path.read_text()}
    stale = stale_after(tmp_path, "race", "MIN_COUPLED_FIELD = PODIUM_PLACES", "MIN_COUPLED_FIELD = 1 + PODIUM_PLACES")
    assert "apply_prediction_to_position.py" in stale and "ml_model_registry.py" not in stale


def test_one_name_defined_in_two_modules_is_refused(tmp_path):
    shutil.copytree(stamp_models.PACKAGE_DIR, tmp_path / "ml")
    (tmp_path / "ml" / "extra.py").write_text(
        '"""Another module."""\n\n\ndef to_pandas(relation):\n    return relation\n'
    )
    with pytest.raises(ValueError, match="to_pandas is defined in both engine and extra"):
        stamp_models.read_package(tmp_path / "ml")
