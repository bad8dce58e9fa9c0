"""The edges between a dbt Python model and its engine (DuckDB in process, or Snowpark on Snowflake).

A model reads its upstream relations as pandas with `to_pandas`, returns pandas through `to_engine`, and
reads the vars its yml entry passes in `config.meta` (Python models cannot call var()) with `setting`.
"""

import pandas as pd
from threadpoolctl import threadpool_limits


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, engine: str) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if engine == "snowflake" else frame


def rows_where(relation, column: str, value: str, engine: str):
    """The rows of an upstream relation whose `column` equals `value`, filtered in the engine."""
    if engine == "snowflake":
        from snowflake.snowpark import functions as F

        return relation.filter(F.col(column.upper()) == value)
    return relation.filter(f"{column} = '{value}'")


def rows_from(relation, column: str, first: int, engine: str):
    """The rows of an upstream relation whose `column` is at least `first`, filtered in DuckDB, so that only
    they become pandas. On Snowflake the relation comes back whole and the model filters after reading: the
    suite runs that path in Snowpark's local testing, which nulls a table's integer columns after a filter on
    one of them (decision 59), and a filter the suite cannot run is not shipped."""
    if engine == "snowflake":
        return relation
    return relation.filter(f"{column} >= {int(first)}")


def model_settings(dbt) -> dict:
    """The model's `config.meta`: the engine (`target.type`) and the vars its yml entry passes."""
    # A statement of its own: dbt finds the config keys a model reads by parsing its calls, not through `or`.
    meta = dbt.config.get("meta")
    return dict(meta or {})


def is_true(setting) -> bool:
    """A boolean var as it reaches a Python model through config meta (rendered to text)."""
    return str(setting).strip().lower() in ("true", "1", "yes")


def optional_number(setting) -> float | None:
    """A numeric var that may be null (rendered to an empty string or `None`)."""
    text = str(setting).strip()
    return None if text in ("", "None", "none", "null") else float(text)


def season_list(setting) -> list[int]:
    """A list var rendered as `2012,2013,2014`."""
    return [int(season) for season in str(setting).split(",") if season.strip()]


def one_blas_thread():
    """A context in which numerical libraries use one thread: on a 2-core machine the engine's threads and the
    other Python models share the cores, and a BLAS pool per model is contention, not speed (decision 39)."""
    return threadpool_limits(limits=1)


PANDAS_TYPES = {"varchar": "object", "integer": "Int64", "double": "float64", "boolean": "boolean",
                "date": "datetime64[ns]", "timestamp": "datetime64[ns]"}  # fmt: skip


def typed_frame(rows: list[dict], types: dict[str, str]) -> pd.DataFrame:
    """Rows as a frame with exactly the columns of `types` (SQL type names), each of its pandas type."""
    frame = pd.DataFrame(rows).reindex(columns=list(types))
    return frame.astype({name: PANDAS_TYPES[kind] for name, kind in types.items()})


def empty_relation(session, types: dict[str, str], engine: str):
    """A relation of the engine with no row and the columns of `types`: what a Python model returns for an empty
    table (a Snowpark DataFrame cannot be made from an empty pandas frame)."""
    if engine == "snowflake":
        from snowflake.snowpark import types as T

        kinds = {"varchar": T.StringType, "integer": T.LongType, "double": T.DoubleType, "boolean": T.BooleanType,
                 "date": T.DateType, "timestamp": T.TimestampType}  # fmt: skip
        schema = T.StructType([T.StructField(name.upper(), kinds[kind]()) for name, kind in types.items()])
        return session.create_dataframe([], schema=schema)
    columns = ", ".join(f"cast(null as {kind}) as {name}" for name, kind in types.items())
    return session.sql(f"select {columns} where 1 = 0")
