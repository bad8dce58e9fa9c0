"""The scikit-learn Pipeline: encoders fitted on training rows only and saved with the classifier.

Features are numbers computed in SQL (ml_data_prep). A missing value takes the training median and is
scaled; the grid slot is also expanded into a spline. The classifier is an unweighted multinomial logistic
regression, so its probabilities estimate real frequencies.
"""

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from f1ml.ml.spec import (
    CLASSES,
    FEATURES,
    LABEL,
    NUMERIC_FEATURES,
    REGULARIZATION_C,
    SOLVER,
    SOLVER_TOLERANCE,
    SPLINE_FEATURE,
)


def build_pipeline(numeric=NUMERIC_FEATURES, c=REGULARIZATION_C, tol=SOLVER_TOLERANCE) -> Pipeline:
    # A feature with no value in the training rows (e.g. qualifying before 1994, or standings in data that
    # lack them) is kept as a constant 0, so it carries no weight and the encoded columns keep their order.
    impute = SimpleImputer(strategy="median", keep_empty_features=True)
    encoders = [
        ("grid", make_pipeline(clone(impute), SplineTransformer(n_knots=5)), [SPLINE_FEATURE]),
        ("numeric", make_pipeline(clone(impute), StandardScaler()), list(numeric)),
    ]
    classifier = LogisticRegression(C=c, solver=SOLVER, tol=tol, max_iter=5000)
    return Pipeline([("encode", ColumnTransformer(encoders)), ("classify", classifier)])


def exact_pipeline() -> Pipeline:
    """The reference every faster fit is held to: the same model solved by another algorithm (Newton-CG) to a
    tolerance far below any difference a reader could see (gradient below 1e-10)."""
    pipeline = build_pipeline(tol=1e-10)
    pipeline.set_params(classify__solver="newton-cg", classify__max_iter=10_000)
    return pipeline


def canonical_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in key order, the label as int64: engines return rows in any order and integers of any width, and
    the fitted model's bytes depend on both."""
    return rows.sort_values("driver_race_id").reset_index(drop=True).astype({LABEL: "int64"})


def class_priors(labels) -> np.ndarray:
    """Share of each class (1, 2, 3) among the labels."""
    counts = pd.Series(labels).value_counts().reindex(CLASSES, fill_value=0).to_numpy(dtype="float64")
    return counts / counts.sum()


def features_without_values(rows: pd.DataFrame) -> list[str]:
    """Features null in every training row: kept as a constant, so the model cannot use them."""
    return [feature for feature in FEATURES if rows[feature].isna().all()]


def encoding_description(pipeline: Pipeline) -> list[dict]:
    """What the fitted encoders do, one row per encoded column: the source of the encoding_mapping table."""
    encode = pipeline.named_steps["encode"]
    rows = []
    for name, transformer, columns in encode.transformers_:
        if name == "grid":
            imputer, spline = transformer.named_steps.values()
            for basis in range(spline.n_features_out_):
                rows.append({"feature": columns[0], "encoding": "spline", "value": f"basis {basis + 1}",
                             "missing_filled_with": float(imputer.statistics_[0])})  # fmt: skip
        elif name == "numeric":
            imputer, scaler = transformer.named_steps.values()
            for i, feature in enumerate(columns):
                rows.append({"feature": feature, "encoding": "standard_scaled", "value": None,
                             "missing_filled_with": float(imputer.statistics_[i]),
                             "center": float(scaler.mean_[i]), "scale": float(scaler.scale_[i])})  # fmt: skip
    return [{**row, "encoded_index": index} for index, row in enumerate(rows)]
