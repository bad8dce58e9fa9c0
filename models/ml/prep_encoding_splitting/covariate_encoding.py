"""Covariates ready for encoding: the features the model sees, one row per driver per race.

Drivers and teams that did not enter a race in the hold-out season are collapsed into "other": the
model learns about the field that is racing, and the one-hot encoding stays small. "Active" comes
from the data (ml_data_prep's hold-out rows), never from a typed list. The encoders themselves are
fitted in training, on training rows only, and saved inside the model artifact.
"""

import pandas as pd

OTHER = "other"
COLLAPSED_WHEN_INACTIVE = ["driver_ref", "constructor_team"]


def collapse_inactive(values: pd.Series, active: set) -> pd.Series:
    return values.where(values.isin(active), OTHER)


def encode_covariates(prep: pd.DataFrame) -> pd.DataFrame:
    covariates = prep.copy()
    in_holdout = covariates["dataset_split"] == "hold_out"
    for column in COLLAPSED_WHEN_INACTIVE:
        active = set(covariates.loc[in_holdout, column])
        covariates[column] = collapse_inactive(covariates[column], active)
    return covariates


# --- engine edges ----------------------------------------------------------------------------------------


def to_pandas(relation) -> pd.DataFrame:
    """Snowpark DataFrame or DuckDB relation -> pandas, with lower-case column names."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [column.lower() for column in frame.columns]
    return frame


def to_engine(frame: pd.DataFrame, session) -> pd.DataFrame:
    """Snowflake keeps unquoted names in upper case, so write them so; DuckDB keeps names as written."""
    return frame.rename(columns=str.upper) if hasattr(session, "file") else frame


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.2.3"], python_version="3.11")
    return to_engine(encode_covariates(to_pandas(dbt.ref("ml_data_prep"))), session)
