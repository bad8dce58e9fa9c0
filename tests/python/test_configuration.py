"""docs/configuration.md lists every environment variable the project reads: each one the code reads is in its
table, and each F1_* variable of the table (the project's own) is read somewhere."""

import re

from conftest import PROJECT_DIR

READS = [
    re.compile(r"""(?:environ|getenv)(?:\.get)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""),  # Python
    re.compile(r"""environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),  # Python
    re.compile(r"""env_var\(\s*["']([A-Z][A-Z0-9_]*)["']"""),  # dbt's Jinja
    re.compile(r"""\$\{([A-Z][A-Z0-9_]*):-"""),  # shell, a variable read with a default
]
CODE = ["src/**/*.py", "app/**/*.py", "scripts/*", ".ci/*", "profiles.yml", "dbt_project.yml", "models/**/*",
        "macros/**/*", "analyses/**/*", "tests/data/**/*.sql"]  # fmt: skip


def variables_read(text: str) -> set[str]:
    return {name for pattern in READS for name in pattern.findall(text)}


def code_reads() -> dict[str, set[str]]:
    """{variable: files that read it} over the project's code (not the tests' harness)."""
    found: dict[str, set[str]] = {}
    for pattern in CODE:
        for path in PROJECT_DIR.glob(pattern):
            if path.is_file():
                for name in variables_read(path.read_text(errors="replace")):
                    found.setdefault(name, set()).add(str(path.relative_to(PROJECT_DIR)))
    return found


def documented() -> set[str]:
    text = (PROJECT_DIR / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, flags=re.MULTILINE))


def test_the_patterns_find_reads_in_each_language():
    assert variables_read('os.environ.get("A_B") environ["C"] os.getenv(\'D\')') == {"A_B", "C", "D"}
    assert variables_read("{{ env_var('E', 'x') }} ${F:-default} $G os.environ.items()") == {"E", "F"}


def test_every_variable_the_code_reads_is_documented():
    reads = code_reads()
    assert {"F1_DUCKDB_PATH", "DBT_TARGET", "SNOWFLAKE_ACCOUNT"} <= set(reads)  # the scan sees the code
    missing = {name: sorted(files) for name, files in reads.items() if name not in documented()}
    assert not missing, f"read but not in docs/configuration.md: {missing}"


def test_every_variable_of_the_project_in_the_table_is_read():
    unread = {name for name in documented() if name.startswith("F1_")} - set(code_reads())
    assert not unread, f"in docs/configuration.md but read nowhere: {sorted(unread)}"
