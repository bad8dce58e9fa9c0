"""Rows the model is trained (train) and validated (test) on: the seasons before the hold-out season.

The split is by season, set in ml_data_prep: validation is the last training season, so the model is
always judged on races that come after the ones it learned from. The filter runs in the engine.
"""

SPLITS = ("train", "test")


def rows_in_splits(relation, splits):
    """Keep rows whose DATASET_SPLIT is one of `splits`, on a Snowpark DataFrame or a DuckDB relation."""
    if hasattr(relation, "to_pandas"):  # Snowpark
        return relation.filter(relation["DATASET_SPLIT"].isin(list(splits)))
    import duckdb

    wanted = [duckdb.ConstantExpression(split) for split in splits]
    return relation.filter(duckdb.ColumnExpression("dataset_split").isin(*wanted))


def model(dbt, session):
    dbt.config(materialized="table", python_version="3.11")
    return rows_in_splits(dbt.ref("covariate_encoding"), SPLITS)
