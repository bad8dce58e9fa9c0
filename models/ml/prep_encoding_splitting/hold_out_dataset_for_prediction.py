"""Hold-out rows: the season the registered model predicts, never seen in training or validation.

Tagged `predict` (see _ml_prep.yml): the predict-only job refreshes these rows and scores them with the
last registered model. The filter runs in the engine.
"""

SPLITS = ("hold_out",)


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
