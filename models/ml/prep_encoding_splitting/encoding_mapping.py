"""A readable map of what each registered version's fitted encoders do, one row per encoded column.

Taken from the fitted Pipeline's description saved in each version's metadata at training time (the
ledger, via ml_model_registry): the spline basis columns of the grid slot, and the median that fills a
missing value, the centre and the scale of every numeric feature. Nothing is re-derived here, so the
table cannot drift from what the model really does.
"""

import json

import pandas as pd

MAPPING_COLUMNS = [
    "model_version",
    "feature",
    "encoding",
    "value",
    "encoded_index",
    "missing_filled_with",
    "center",
    "scale",
]


def mapping_rows(registry: pd.DataFrame) -> pd.DataFrame:
    rows = []
    recorded = registry[registry["metadata_json"].notna()]
    for version, metadata_json in zip(recorded["model_version"], recorded["metadata_json"], strict=True):
        for entry in json.loads(metadata_json)["encoding"]:
            rows.append({"model_version": version, **entry})
    return pd.DataFrame(rows, columns=MAPPING_COLUMNS)


# --- engine edges ----------------------------------------------------------------------------------------


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if settings["engine"] == "snowflake" else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3"], python_version="3.11")
    registry = to_pandas(dbt.ref("ml_model_registry").select("model_version", "metadata_json"))
    return to_engine(mapping_rows(registry), dbt.config.get("meta"))
