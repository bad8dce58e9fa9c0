"""Run the Python models' Snowflake stored-procedure bodies in Snowpark local testing (no account needed).

How a body is produced, with dbt and dbt-snowflake's own code wherever it can run offline:

1. `dbt compile --target snowflake`, in a copy of the project with a test-only is_incremental()
   (tests/python/offline_compile/is_incremental.sql), and
   `--no-populate-cache --no-introspect`: no connection is opened. The manifest's `compiled_code` of a Python
   model is the model file plus dbt's generated boilerplate (ref(), config_dict, this, dbtObj).
2. dbt-snowflake's `py_write_table` macro, read from the installed package and rendered with Jinja, appends
   `materialize(session, df, target_relation)` and `main(session)`, exactly as `create_table_as(...,
   language='python')` does. Its two lookups are answered by dbt-snowflake itself: the catalog relation
   (transient or not) by its INFO_SCHEMA catalog integration, the table name by dbt's
   `default__resolve_model_name` macro over a `SnowflakeRelation`.
3. dbt-snowflake's `SnowflakeAdapter.submit_python_job` (unbound, on a stand-in adapter whose `execute` only
   records the SQL) wraps it in `WITH <name>__dbt_sp AS PROCEDURE () ... HANDLER = 'main' ... $$ <body> $$
   CALL ...`. The text between the `$$` is what Snowflake executes; `run_procedure` executes that text and
   calls the declared handler with a local-testing session, as the `CALL` would.

Local testing keeps tables and stages per session, and stage paths are case sensitive there (unquoted names
are not on Snowflake): refer to a stage exactly as the compiled code does. Three things it cannot run are
emulated here, in the test harness, so the models' code stays the code Snowflake runs (local_session):
`session.file.list` (LIST @stage), vectorized UDFs, which local testing calls once per row, and pandas' missing
values of nullable integers and timestamps in a frame written to a table.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import pandas as pd
from dbt.include.global_project import PACKAGE_PATH as GLOBAL_MACROS
from dbt.include.snowflake import PACKAGE_PATH as SNOWFLAKE_MACROS
from project_copy import copy_project
from snowflake.snowpark import Session
from snowflake.snowpark import types as T

from f1ml import PROJECT_DIR

# The installed macros, so a dbt-snowflake upgrade that changes the materialization changes what runs here.
CREATE_SQL = Path(SNOWFLAKE_MACROS) / "macros" / "relations" / "table" / "create.sql"
PYTHON_SQL = Path(GLOBAL_MACROS) / "macros" / "python_model" / "python.sql"

# Placeholders: the snowflake target renders its credentials from these, and nothing connects.
DATABASE, SCHEMA = "analytics", "dbt_local_testing"
SNOWFLAKE_ENV = {
    "SNOWFLAKE_ACCOUNT": "offline",
    "SNOWFLAKE_USER": "offline",
    "SNOWFLAKE_DATABASE": DATABASE,
    "SNOWFLAKE_SCHEMA": SCHEMA,
}


def compile_for_snowflake(workdir: Path, models: list[str], variables: dict | None = None) -> dict[str, dict]:
    """Compile `models` for the snowflake target without a connection; their manifest nodes by name."""
    command = [
        sys.executable, "-m", "dbt.cli.main", "compile", "--target", "snowflake",
        "--no-populate-cache", "--no-introspect", "--no-send-anonymous-usage-stats",
        "--vars", json.dumps(variables or {}), "--project-dir", str(copy_project(workdir / "project", True)),
        "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
        "--select", *models,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_") and k != "DBT_TARGET"}
    env.update(SNOWFLAKE_ENV, DBT_PROFILES_DIR=str(PROJECT_DIR), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"dbt compile --target snowflake failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    nodes = json.loads((workdir / "target" / "manifest.json").read_text())["nodes"]
    compiled = {node["name"]: node for node in nodes.values() if node["name"] in models}
    missing = sorted(set(models) - {name for name, node in compiled.items() if node.get("compiled_code")})
    if missing:
        raise RuntimeError(f"no compiled code for {missing}")
    return compiled


def _macro_source(path: Path, name: str) -> str:
    match = re.search(r"{%-?\s*macro " + name + r"\(.*?{%-?\s*endmacro\s*-?%}", path.read_text(), re.DOTALL)
    if match is None:
        raise RuntimeError(f"macro {name} not found in {path}")
    return match.group(0)


class _CatalogAdapter:
    """`adapter.build_catalog_relation(config.model)` as dbt-snowflake answers it for a plain table."""

    @staticmethod
    def build_catalog_relation(model):
        from dbt.adapters.snowflake import constants, parse_model
        from dbt.adapters.snowflake.catalogs import InfoSchemaCatalogIntegration

        catalog = parse_model.catalog_name(model)
        if catalog != constants.DEFAULT_INFO_SCHEMA_CATALOG.name:
            raise NotImplementedError(f"{model.identifier}: catalog {catalog} is not emulated here")
        return InfoSchemaCatalogIntegration(constants.DEFAULT_INFO_SCHEMA_CATALOG).build_relation(model)


def procedure_body(node: dict) -> str:
    """The `py_write_table` output for a compiled Python model node (what create_table_as renders)."""
    from dbt.adapters.snowflake.relation import SnowflakeRelation

    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    naming = environment.from_string(_macro_source(PYTHON_SQL, "default__resolve_model_name")).make_module()
    model = SimpleNamespace(config=node["config"], schema=node["schema"], identifier=node["alias"])
    environment.globals.update(
        adapter=_CatalogAdapter(),
        config=SimpleNamespace(model=model),
        resolve_model_name=lambda name: str(naming.default__resolve_model_name(name)).strip(),
    )
    macros = environment.from_string(_macro_source(CREATE_SQL, "py_write_table")).make_module()
    relation = SnowflakeRelation.create(
        database=node["database"], schema=node["schema"], identifier=node["alias"], type="table"
    )
    return str(macros.py_write_table(node["compiled_code"], relation, False))


def procedure_sql(node: dict, body: str) -> str:
    """The statement dbt-snowflake would send for `body` (SnowflakeAdapter.submit_python_job)."""
    from dbt.adapters.contracts.connection import AdapterResponse
    from dbt.adapters.snowflake import SnowflakeAdapter

    sent = []

    def execute(sql, auto_begin=False, fetch=False):
        sent.append(sql)
        return AdapterResponse(_message="SUCCESS"), None

    adapter = SimpleNamespace(config=SimpleNamespace(args=SimpleNamespace(SEND_ANONYMOUS_USAGE_STATS=False)))
    adapter.execute = execute
    parsed_model = {**node, "config": {**node["config"], "packages": list(node["config"].get("packages") or [])}}
    SnowflakeAdapter.submit_python_job(adapter, parsed_model, body)
    return sent[0]


def procedure_parts(sql: str) -> dict:
    """Handler, packages and body ($$...$$) of a `WITH ... AS PROCEDURE` statement."""
    body = re.search(r"\nAS\n\$\$\n(.*)\n\$\$", sql, re.DOTALL)
    handler = re.search(r"HANDLER = '(\w+)'", sql)
    packages = re.search(r"PACKAGES = \('(.*?)'\)", sql)
    if not (body and handler and packages):
        raise RuntimeError(f"unexpected procedure statement:\n{sql[:2000]}")
    return {"body": body.group(1), "handler": handler.group(1), "packages": packages.group(1).split("', '")}


def build_procedures(nodes: dict[str, dict]) -> dict[str, dict]:
    """For each model: the statement dbt-snowflake would send, and its handler, packages and body."""
    procedures = {}
    for name, node in nodes.items():
        sql = procedure_sql(node, procedure_body(node))
        procedures[name] = {"name": name, "sql": sql, **procedure_parts(sql)}
    return procedures


def run_procedure(session: Session, procedure: dict, body: str | None = None) -> str:
    """Execute a procedure body and call its handler, as `CALL <name>__dbt_sp()` would on Snowflake."""
    namespace = {"__name__": f"{procedure['name']}__dbt_sp"}
    exec(compile(body or procedure["body"], f"<{procedure['name']}__dbt_sp>", "exec"), namespace)
    return namespace[procedure["handler"]](session)


def local_session() -> Session:
    """A local-testing session, with LIST and vectorized UDFs emulated."""
    session = Session.builder.config("local_testing", True).create()
    emulate_stage_listing(session)
    emulate_vectorized_udfs(session)
    emulate_pandas_nulls(session)
    return session


def emulate_pandas_nulls(session: Session) -> None:
    """Snowflake writes a pandas frame through pyarrow (write_pandas): each column's type comes from its dtype,
    and missing values of every type (NaN, NaT, NA of the nullable integers) are null. Local testing infers a
    type per value, has none for NaT or NA, and stores pandas timestamps as text: hand it Python values and a
    schema from the dtypes instead, as pyarrow would read them."""
    create = session.create_dataframe

    def create_dataframe(data, *args, **kwargs):
        if isinstance(data, pd.DataFrame) and "schema" not in kwargs:
            schema = T.StructType([T.StructField(str(name), _column_type(data[name])) for name in data.columns])
            values = data.astype(object).where(data.notna(), None)
            rows = [[v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row] for row in values.values]
            return create(rows, *args, schema=schema, **kwargs)
        return create(data, *args, **kwargs)

    session.create_dataframe = session.createDataFrame = create_dataframe


def _column_type(values: pd.Series) -> T.DataType:
    if pd.api.types.is_bool_dtype(values):
        return T.BooleanType()
    if pd.api.types.is_integer_dtype(values):
        return T.LongType()
    if pd.api.types.is_float_dtype(values):
        return T.DoubleType()
    if pd.api.types.is_datetime64_any_dtype(values):
        return T.TimestampType()
    sample = values.dropna()
    first = sample.iloc[0] if len(sample) else ""
    for kind, snowpark_type in ((bool, T.BooleanType), (int, T.LongType), (float, T.DoubleType),
                                (str, T.StringType), (list, T.ArrayType)):  # fmt: skip
        if isinstance(first, kind):
            return snowpark_type()
    return T.StringType()


def emulate_stage_listing(session: Session) -> None:
    """Answer `session.file.list(stage_location)` from the emulated stage's directory, as Snowflake's LIST
    does: one entry per file, named `<stage name, lower case>/<path>`. Local testing has no LIST."""
    from snowflake.snowpark.mock._stage_registry import extract_stage_name_and_prefix

    def list_files(stage_location: str, *, pattern=None, statement_params=None):
        stage_name, prefix = extract_stage_name_and_prefix(stage_location)
        root = Path(session._conn.stage_registry[stage_name]._working_directory)
        files = sorted(path for path in (root / prefix).rglob("*") if path.is_file())
        short_name = stage_name.split(".")[-1].lower()
        return [SimpleNamespace(name=f"{short_name}/{path.relative_to(root).as_posix()}") for path in files]

    session.file.list = list_files


def emulate_vectorized_udfs(session: Session) -> None:
    """Local testing calls every UDF once per row with plain values, even a vectorized one (a
    PandasDataFrameType input). Wrap such a handler: each call gets a one-row DataFrame, as Snowflake would
    pass a batch, and the row's result is returned."""
    register = session.udf.register

    def register_vectorized_rowwise(func, *args, input_types=None, **kwargs):
        if input_types and isinstance(input_types[0], T.PandasDataFrameType):
            batch_handler = func

            def func(*values):
                return batch_handler(pd.DataFrame([list(values)])).iloc[0]

        return register(func, *args, input_types=input_types, **kwargs)

    session.udf.register = register_vectorized_rowwise


# --- tables ------------------------------------------------------------------------------------------------


def _snowpark_type(duckdb_type: str) -> T.DataType:
    name = duckdb_type.upper()
    if name in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER"):
        return T.LongType()  # Snowflake's NUMBER(38, 0)
    if name.startswith("DECIMAL"):
        precision, scale = (int(part) for part in name[name.index("(") + 1 : -1].split(","))
        return T.DecimalType(precision, scale)
    simple = {"DOUBLE": T.DoubleType(), "FLOAT": T.DoubleType(), "VARCHAR": T.StringType(), "DATE": T.DateType(),
              "BOOLEAN": T.BooleanType(), "TIME": T.TimeType(), "TIMESTAMP": T.TimestampType()}  # fmt: skip
    if name not in simple:
        raise NotImplementedError(f"DuckDB type {duckdb_type} has no Snowpark mapping here")
    return simple[name]


def qualified(table: str) -> str:
    return f"{DATABASE}.{SCHEMA}.{table}".upper()


def load_duckdb_table(
    session: Session, database: Path, table: str, columns: list[str] | None = None, where: str | None = None
) -> None:
    """Copy a table of a DuckDB build (optionally some columns or rows) into the session as
    DATABASE.SCHEMA.TABLE, with upper-case column names and Snowflake's types (integers as NUMBER(38,0))."""
    with duckdb.connect(str(database), read_only=True) as con:
        relation = con.table(table)
        relation = relation if columns is None else relation.select(*columns)
        relation = relation if where is None else relation.filter(where)
        types = zip(relation.columns, relation.types, strict=True)
        schema = T.StructType([T.StructField(name.upper(), _snowpark_type(str(kind))) for name, kind in types])
        rows = relation.fetchall()
    session.create_dataframe(rows, schema=schema).write.save_as_table(qualified(table), mode="overwrite")


def snowpark_table(session: Session, table: str) -> pd.DataFrame:
    """A table of the session as pandas, with lower-case column names."""
    frame = session.table(qualified(table)).to_pandas()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def duckdb_table(database: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.table(table).df()
