"""Run dbt against fakesnow (Snowflake emulated in-process, DuckDB underneath) with the real raw data.

    python tests/python/fakesnow_build.py [--data-dir DIR] [--reload-from DIR] [--setup-sql FILE] -- <dbt arguments>

e.g. `DBT_PROFILES_DIR=tests/python/fakesnow_profile python tests/python/fakesnow_build.py -- build --target fakesnow
--project-dir . --vars '{raw_database: analytics}'` (the fakesnow target is a test-only profile). In one process:

1. the 14 raw tables are created in ANALYTICS.RAW of an in-memory fakesnow database with the Snowflake DDL of
   setup/01_raw_load.sql (`formula1.raw` -> `analytics.raw`: fakesnow's describe sees no other database);
2. they are filled with the shipped data: src/f1ml/raw/load.py loads data/formula1/*.csv.gz into a temporary
   DuckDB file (its header mapping, types and null handling), and each table goes to fakesnow with
   `write_pandas` (fakesnow's own, an INSERT from the DataFrame);
3. dbt runs with the given arguments under the same patch, so dbt-snowflake's connections reach that database;
   `--then` in them starts a further dbt command on the same database (e.g. a build of what a newer export
   changes, after the first build), which runs if the previous one succeeded;
4. with --reload-from DIR, after the first dbt command the raw tables are replaced and filled again from DIR, as
   an admin running setup/01_raw_load.sql again on a newer export would (create or replace, then load).

What fakesnow 0.12.1 lacks for this project is emulated here, never in the models: `create table t (c type not
null, ...) as select ...` (a contracted model's DDL) loses its NOT NULL in fakesnow's rewrite, so
`keep_not_null_in_ctas` makes such a column raise Snowflake's error on a null, as Snowflake does.

Prints one line per table loaded (rows, seconds) and exits 0 when every dbt command succeeded, 1 otherwise;
with --results-dir, each command's node results (status, message, compiled SQL) go to <dir>/<N>.json. Used by
tests/python/test_snowflake_emulation.py; handy by hand to reproduce a failure there.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

from f1ml import PROJECT_DIR

RAW_DATABASE, RAW_SCHEMA = "analytics", "raw"
_CREATE_TABLE = re.compile(r"create or replace table formula1\.raw\.(\w+) \((.*?)\) copy grants;", re.S | re.I)


def raw_table_ddl(setup_sql: Path) -> dict[str, str]:
    """The `create or replace table` statement of each raw table in setup SQL, moved to analytics.raw."""
    statements = {}
    for match in _CREATE_TABLE.finditer(setup_sql.read_text()):
        name, columns = match.group(1).lower(), match.group(2)
        # without `copy grants`: fakesnow ignores it, and sqlglot logs a warning per table
        statements[name] = f"create or replace table {RAW_DATABASE}.{RAW_SCHEMA}.{name} ({columns})"
    return statements


def load_raw_tables(connection, data_dir: Path, setup_sql: Path) -> dict[str, int]:
    """Create and fill the raw tables on a (fake) Snowflake connection; rows per table."""
    import duckdb
    from snowflake.connector.pandas_tools import write_pandas

    from f1ml.raw.load import load_raw
    from f1ml.raw.tables import TABLES

    ddl = raw_table_ddl(setup_sql)
    expected = {table.name for table in TABLES}
    if set(ddl) != expected:
        raise SystemExit(f"{setup_sql}: raw tables {sorted(ddl)} differ from f1ml.raw.tables {sorted(expected)}")
    cursor = connection.cursor()
    cursor.execute(f"create schema if not exists {RAW_DATABASE}.{RAW_SCHEMA}")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="fakesnow_raw_") as tmp:
        database = Path(tmp) / "f1_source.duckdb"  # not raw.duckdb: catalog "raw" would clash with schema raw
        load_raw(data_dir, database, progress=None)
        with duckdb.connect(str(database), read_only=True) as duck:
            for table in TABLES:
                started = time.perf_counter()
                cursor.execute(ddl[table.name])
                frame = duck.sql(f"select * from raw.{table.name}").df()
                frame.columns = [column.upper() for column in frame.columns]
                ok, _, count, _ = write_pandas(
                    connection, frame, table.name.upper(), database=RAW_DATABASE.upper(), schema=RAW_SCHEMA.upper()
                )
                if not ok or count != len(frame):
                    raise SystemExit(f"write_pandas {table.name}: {count} of {len(frame)} rows")
                rows[table.name] = count
                print(f"fakesnow raw.{table.name}: {count} rows, {time.perf_counter() - started:.2f} s", flush=True)
    return rows


def keep_not_null_in_ctas() -> None:
    """Make fakesnow enforce the NOT NULL of `create table t (<column definitions>) as select`, as Snowflake does.

    fakesnow rewrites that statement into `create table t as select cast(<expression> as <type>) as <column>`
    and drops the constraints. Wrapped here: each NOT NULL column's expression becomes
    `case when <it> is null then error(<Snowflake's message>) else <it> end`, so the statement fails on the
    first null and creates no table (DuckDB evaluates the error only for a null).
    """
    import fakesnow.transforms
    from sqlglot import exp

    rewrite = fakesnow.transforms.create_table_as

    def create_table_as(expression, duck_conn):
        not_null = []
        if isinstance(expression, exp.Create) and isinstance(expression.this, exp.Schema):
            not_null = [
                position
                for position, column in enumerate(expression.this.expressions)
                if isinstance(column, exp.ColumnDef)
                and any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in column.constraints)
            ]
        expression = rewrite(expression, duck_conn)
        if not_null and isinstance(expression.this, exp.Table):  # rewritten: one `cast(...) as column` per column
            select = expression.expression
            select = select.unnest() if isinstance(select, exp.Subquery) else select
            for position in not_null:
                alias = select.expressions[position]
                value = alias.this
                fail = exp.Anonymous(this="error", expressions=[exp.Literal.string(SNOWFLAKE_NOT_NULL_ERROR)])
                check = exp.Case(ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()), true=fail)])
                alias.set("this", check.else_(value))
        return expression

    fakesnow.transforms.create_table_as = create_table_as


# What Snowflake reports when a statement puts a null into a NOT NULL column.
SNOWFLAKE_NOT_NULL_ERROR = "NULL result in a non-nullable column"


def dbt_commands(args: list[str]) -> list[list[str]]:
    """`build ... --then show ...` -> [[build ...], [show ...]]."""
    commands = [[]]
    for arg in args:
        if arg == "--then":
            commands.append([])
        else:
            commands[-1].append(arg)
    return [command for command in commands if command]


def node_results(result) -> list[dict]:
    """unique_id, status, message and compiled SQL of each node a dbt invocation ran; for `dbt show`, the rows."""
    found = []
    for r in getattr(result.result, "results", None) or []:
        node = {
            "unique_id": r.node.unique_id,
            "status": str(r.status),
            "message": r.message,
            "compiled_code": getattr(r.node, "compiled_code", None),
        }
        table = getattr(r, "agate_table", None)
        if table is not None:
            node["rows"] = [[None if value is None else str(value) for value in row] for row in table.rows]
        found.append(node)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "data" / "formula1")
    parser.add_argument("--reload-from", type=Path, help="after the first dbt command, reload the raw tables from here")
    parser.add_argument("--setup-sql", type=Path, default=PROJECT_DIR / "setup" / "01_raw_load.sql")
    parser.add_argument("--results-dir", type=Path, help="write the node results of dbt command N to N.json here")
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt arguments after --; `--then` starts another")
    args = parser.parse_args(argv)
    commands = dbt_commands(args.dbt_args[1:] if args.dbt_args[:1] == ["--"] else args.dbt_args)

    import fakesnow
    import snowflake.connector

    # fakesnow 0.12.1 on DuckDB 2.0 warns once per query; nothing to act on.
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")

    keep_not_null_in_ctas()
    with fakesnow.patch():  # in-memory databases, shared by every connection made inside the block
        started = time.perf_counter()
        with snowflake.connector.connect(database=RAW_DATABASE, schema=RAW_SCHEMA) as connection:
            load_raw_tables(connection, args.data_dir, args.setup_sql)
        print(f"fakesnow raw load: {time.perf_counter() - started:.1f} s", flush=True)
        from dbt.cli.main import dbtRunner

        for number, command in enumerate(commands):  # each on the database the previous ones left
            if number == 1 and args.reload_from:
                with snowflake.connector.connect(database=RAW_DATABASE, schema=RAW_SCHEMA) as connection:
                    load_raw_tables(connection, args.reload_from, args.setup_sql)
            result = dbtRunner().invoke(command)
            if args.results_dir:
                args.results_dir.mkdir(parents=True, exist_ok=True)
                (args.results_dir / f"{number}.json").write_text(json.dumps(node_results(result), indent=1))
            if not result.success:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
