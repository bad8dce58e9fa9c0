"""The packages the Python models run with on Snowflake (dbt_project.yml, `+packages` per folder) agree with
uv.lock, which is what DuckDB runs: an artifact trained on one engine loads on the other, and a version's
figures do not depend on the engine. A package left unpinned is one Snowflake's channel resolves with the
pinned ones, listed here with the reason."""

import re
import tomllib

import yaml
from conftest import PROJECT_DIR

UNPINNED = {
    "numpy": "resolved by the channel with pandas and scikit-learn; pickled arrays load across numpy 2.x",
    "scipy": "scikit-learn's own dependency, resolved with it",
    "threadpoolctl": "limits threads only; no result depends on its version",
}


def folder_packages(node: dict, path: str = "") -> dict[str, list[str]]:
    found = {path: node["+packages"]} if "+packages" in node else {}
    for key, child in node.items():
        if isinstance(child, dict) and not key.startswith("+"):
            found |= folder_packages(child, f"{path}/{key}")
    return found


def test_every_pinned_package_is_the_locked_version_and_every_other_is_named():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    folders = folder_packages(project["models"]["formula1_ml"])
    assert {"/ml", "/marts/aggregates"} <= set(folders)
    locked = {p["name"]: p["version"] for p in tomllib.loads((PROJECT_DIR / "uv.lock").read_text())["package"]}
    for folder, packages in folders.items():
        for package in packages:
            name, _, version = re.match(r"([\w-]+)(==)?(.*)", package).groups()
            if version:
                assert locked[name] == version, f"{folder}: {package}, uv.lock has {name}=={locked[name]}"
            else:
                assert name in UNPINNED, f"{folder}: {name} unpinned, and not named in UNPINNED with a reason"
    pinned = {re.match(r"[\w-]+", p).group() for packages in folders.values() for p in packages if "==" in p}
    assert {"pandas", "scikit-learn", "joblib"} <= pinned


def test_no_python_model_sets_its_own_packages():
    """Packages are set once per folder; a model's own dbt.config(packages=...) would override them silently."""
    models = sorted((PROJECT_DIR / "models").rglob("*.py"))
    assert models and not [p.name for p in models if "dbt.config(" in p.read_text()]
