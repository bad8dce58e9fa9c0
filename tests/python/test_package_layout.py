"""The package's layout: what the jobs run (f1ml outside f1ml.dev) never imports the developer tools (f1ml.dev),
and no tool loads a file of the app by path: they import it (app/ is importable, pyproject.toml), so an import
graph sees the tie."""

import ast
import re

from conftest import PROJECT_DIR

PACKAGE = PROJECT_DIR / "src" / "f1ml"
# Runtime modules that still import a developer tool, each to be removed (then this test fails until it is
# taken out of the list): none.
STILL_IMPORTING_DEV_TOOLS = {}


def imported_modules(path) -> set[str]:
    """The modules a file imports, relative imports resolved."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_imports_are_resolved_with_their_package():
    modules = imported_modules(PACKAGE / "raw" / "dbt_plugin.py")
    assert {"f1ml.raw.autoload", "f1ml.raw.autoload.load_if_absent", "f1ml.settings"} <= modules


def test_what_the_jobs_run_never_imports_the_developer_tools():
    runtime = [path for path in PACKAGE.rglob("*.py") if "dev" not in path.relative_to(PACKAGE).parts]
    assert PACKAGE / "load_raw.py" in runtime and PACKAGE / "run_job.py" in runtime
    importing = {str(path.relative_to(PACKAGE)): sorted(m for m in imported_modules(path) if m.startswith("f1ml.dev"))
                 for path in runtime}  # fmt: skip
    assert {path: modules for path, modules in importing.items() if modules} == STILL_IMPORTING_DEV_TOOLS


def test_no_tool_loads_a_file_of_the_project_by_path():
    """The tools import the app's page list and the model's code (f1ml.ml); none loads a file by its path."""
    by_path = re.compile(r"spec_from_file_location|import_file\(")
    assert [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if by_path.search(p.read_text())] == []
