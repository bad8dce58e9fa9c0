"""Train the model, judge it on its validation season, and register it as a new version.

- Validation respects time: fit on the seasons before the last training season, forecast that season as
  serving would (race-coherent probabilities, race-shaped calls), and score it against the grid rule and
  the frequency baseline on the same rows.
- Promotion gate: a version is promoted only when, on its validation season, its accuracy beats the grid
  rule's by at least the accuracy margin and its log loss is below the frequency baseline's by more than the
  log-loss margin (vars promotion_accuracy_margin, promotion_log_loss_margin). Every version is registered
  either way; prediction serves the newest promoted one.
- Registration: the artifact is refit on every training season and written to a version claimed atomically
  in the store, metadata.json last; the training model's own table, append-only, records its sha256 and
  metadata: the ledger prediction trusts. A retrain on unchanged inputs (the same training rows, the same
  artifact bytes, the same gate) registers nothing: the version that has them keeps serving.
"""

import datetime
import hashlib
import io
import json
import platform

import joblib
import numpy as np
import pandas as pd
import sklearn
from joblib.numpy_pickle import NumpyPickler
from sklearn.pipeline import Pipeline

from f1ml.ml.baselines import frequency_probabilities, grid_slot_frequencies
from f1ml.ml.engine import to_pandas
from f1ml.ml.metrics import scorecard
from f1ml.ml.pipeline import (
    build_pipeline,
    canonical_rows,
    class_priors,
    encoding_description,
    features_without_values,
)
from f1ml.ml.race import race_forecasts
from f1ml.ml.spec import (
    ARTIFACT_FILE,
    FEATURES,
    GRID_RULE_LABEL,
    LABEL,
    LABEL_DEFINITION,
    METADATA_FILE,
    METADATA_LAYOUT,
    MODEL_NAME,
    NUMERIC_FEATURES,
    SPLINE_FEATURE,
)
from f1ml.ml.store import claim_version, list_versions, version_name, version_number, write_file

LEDGER_COLUMNS = ["model_version", "trained_at", "artifact_sha256", "is_promoted", "promotion_reason", "metadata_json"]
# A scored row's identity and labels, as forecast_rows publishes them.
SCORED_COLUMNS = ["driver_race_id", "race_id", "driver_id", "race_year", "race_round", LABEL, GRID_RULE_LABEL]
# The columns of training_testing_dataset training reads; the names it also holds stay in the engine (at 100x the
# data they were two thirds of the frame, 240 of 332 MiB).
TRAINING_COLUMNS = [*SCORED_COLUMNS, *FEATURES, "dataset_split", "hold_out_season"]


def forecast_rows(pipeline: Pipeline, rows: pd.DataFrame, frequencies) -> pd.DataFrame:
    """Rows as serving publishes them: identity, label, grid rule, and race.race_forecasts' columns."""
    probabilities = pipeline.predict_proba(rows[FEATURES])
    baseline = frequency_probabilities(frequencies, rows[SPLINE_FEATURE])
    kept = rows[SCORED_COLUMNS]
    return pd.concat([kept, race_forecasts(rows, probabilities, baseline)], axis=1)


def promotion(card: dict, season: int, accuracy_margin: float, log_loss_margin: float) -> tuple[bool, str]:
    """The gate: accuracy against the grid rule and log loss against the frequency baseline."""
    gain = card["accuracy_difference"]
    failures = []
    if not gain >= accuracy_margin:
        failures.append(f"accuracy {gain:+.3f} against the grid rule, needs at least {accuracy_margin:+.3f}")
    if not card["frequency_log_loss"] - card["model_log_loss"] > log_loss_margin:
        failures.append(
            f"log loss {card['model_log_loss']:.3f}, not below the frequency baseline's "
            f"{card['frequency_log_loss']:.3f} by more than {log_loss_margin:g}"
        )
    if failures:
        return False, f"not promoted on {season}: " + "; ".join(failures)
    return True, (
        f"promoted on {season}: accuracy {gain:+.3f} against the grid rule, log loss "
        f"{card['model_log_loss']:.3f} against {card['frequency_log_loss']:.3f}"
    )


def train_and_validate(dataset: pd.DataFrame, gate: dict) -> tuple[Pipeline, dict]:
    """Validate on the `validation` season with a fit on `train`, gate, then refit on both for the artifact.

    `gate`: {"accuracy_margin": float, "log_loss_margin": float}.
    """
    dataset = canonical_rows(dataset)
    train = dataset[dataset["dataset_split"] == "train"]
    validation_rows = dataset[dataset["dataset_split"] == "validation"]
    if train.empty or validation_rows.empty:
        raise ValueError(
            f"training_testing_dataset needs train and validation rows, got {len(train)} and "
            f"{len(validation_rows)}: check the hold_out_season and training_seasons vars against the seasons "
            "in the data"
        )
    frequencies = grid_slot_frequencies(train[SPLINE_FEATURE], train[LABEL])
    scored = forecast_rows(build_pipeline().fit(train[FEATURES], train[LABEL]), validation_rows, frequencies)
    season = int(validation_rows["race_year"].max())
    card, _ = scorecard(scored, seed=season)
    promoted, reason = promotion(card, season, gate["accuracy_margin"], gate["log_loss_margin"])
    validation = {"season": season, **card, "promoted": promoted, "promotion_reason": reason}
    final_fit = build_pipeline().fit(dataset[FEATURES], dataset[LABEL])
    return final_fit, validation


def library_versions() -> dict:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


class CanonicalPickler(NumpyPickler):
    """joblib's pickler, writing each distinct string once. Pickle shares an object it has seen by identity, so
    two equal strings were written once or twice depending on whether they were one object, which depends on
    what the process did before (loading another artifact was enough): the same model gave other bytes, another
    sha256, and a retrain on unchanged inputs looked changed (docs/decisions.md, 61)."""

    def __init__(self, file):
        super().__init__(file)
        self.strings: dict[str, str] = {}

    def save(self, obj):
        if type(obj) is str:
            obj = self.strings.setdefault(obj, obj)
        return super().save(obj)


def serialize(pipeline: Pipeline) -> bytes:
    """The artifact's bytes, as joblib.dump writes them (joblib.load reads them), the same for equal models."""
    buffer = io.BytesIO()
    CanonicalPickler(buffer).dump(pipeline)
    return buffer.getvalue()


def data_fingerprint(dataset: pd.DataFrame) -> str:
    """sha256 of the training rows as fitted: keys, seasons, splits, label and features, in key order."""
    rows = canonical_rows(dataset)
    # Values, not their types: engines return integers of any width and numbers as integers or floats.
    kept = {"driver_race_id": rows["driver_race_id"].astype(str), "dataset_split": rows["dataset_split"].astype(str)}
    kept |= {column: rows[column].astype("float64") for column in ["race_year", LABEL, *FEATURES]}
    hashed = pd.util.hash_pandas_object(pd.DataFrame(kept), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


def inputs_fingerprint(data_sha256: str, artifact_sha256: str, gate: dict) -> str:
    """What makes a version new: its training rows, its artifact's bytes (settings, fitted weights, library
    versions) and the gate that judged it. A retrain with the same fingerprint registers nothing."""
    parts = {"data": data_sha256, "artifact": artifact_sha256, "gate": gate, "layout": METADATA_LAYOUT}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def build_metadata(version: str, dataset: pd.DataFrame, validation: dict, pipeline: Pipeline, artifact: bytes,
                   fingerprints: dict) -> dict:  # fmt: skip
    dataset = canonical_rows(dataset)
    return {
        "metadata_layout": METADATA_LAYOUT,
        "model_name": MODEL_NAME,
        "model_version": version,
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "training_window": {
            "first_season": int(dataset["race_year"].min()),
            "last_season": int(dataset["race_year"].max()),
            "validation_season": validation["season"],
            "hold_out_season": int(dataset["hold_out_season"].max()),
        },
        "features": {
            "spline": [SPLINE_FEATURE],
            "numeric": NUMERIC_FEATURES,
            "all": FEATURES,
            "without_values": features_without_values(dataset),
        },
        "label": LABEL,
        "label_definition": LABEL_DEFINITION,
        "class_priors": class_priors(dataset[LABEL]).tolist(),
        "calls": "race-shaped: the most likely assignment with at most 3 podium and 7 points calls per race",
        # The frequency baseline served next to every forecast, from the rows the artifact was fitted on.
        "grid_slot_frequencies": grid_slot_frequencies(dataset[SPLINE_FEATURE], dataset[LABEL]),
        "row_counts": {
            "train": int((dataset["dataset_split"] == "train").sum()),
            "validation": validation["rows_scored"],
            "refit": int(len(dataset)),
        },
        "validation_metrics": validation,
        "promotion": {"promoted": validation["promoted"], "reason": validation["promotion_reason"]},
        "fingerprints": {
            **fingerprints,
            "unchanged_means": "same training rows (data), same artifact bytes and the same promotion gate",
        },
        "encoding": encoding_description(pipeline),
        "library_versions": library_versions(),
        "artifact_file": ARTIFACT_FILE,
        "artifact_sha256": hashlib.sha256(artifact).hexdigest(),
    }


def version_with_inputs(ledger: pd.DataFrame, fingerprint: str) -> str | None:
    """The version of the ledger trained on exactly these inputs, if any."""
    for version, metadata_json in zip(ledger["model_version"], ledger["metadata_json"], strict=True):
        if json.loads(metadata_json).get("fingerprints", {}).get("inputs") == fingerprint:
            return version
    return None


def register(store, ledger: pd.DataFrame, dataset: pd.DataFrame, pipeline: Pipeline, validation: dict,
             gate: dict) -> dict:  # fmt: skip
    """Claim the next free version, write the artifact, then metadata.json, which completes the version.

    Returns the new version's metadata, or {"unchanged": version} when a version of the ledger was trained on
    the same inputs. Numbers continue after every version the store or the ledger knows, complete or not: a
    crashed registration leaves an incomplete version that is skipped, never reused. A claim lost to a
    concurrent training moves on to the next number.
    """
    artifact = serialize(pipeline)
    fingerprints = {"data": data_fingerprint(dataset), "artifact": hashlib.sha256(artifact).hexdigest()}
    fingerprints["inputs"] = inputs_fingerprint(fingerprints["data"], fingerprints["artifact"], gate)
    existing = version_with_inputs(ledger, fingerprints["inputs"])
    if existing is not None:
        return {"unchanged": existing}
    taken = set(list_versions(store)) | set(ledger["model_version"])
    number = max((version_number(v) for v in taken), default=0) + 1
    while not claim_version(store, version_name(number)):
        number += 1
    version = version_name(number)
    metadata = build_metadata(version, dataset, validation, pipeline, artifact, fingerprints)
    write_file(store, version, ARTIFACT_FILE, artifact)
    write_file(store, version, METADATA_FILE, json.dumps(metadata, indent=2).encode())
    return metadata


def ledger_row(metadata: dict) -> pd.DataFrame:
    """This run's row of the ledger: what prediction trusts, recorded at training time."""
    row = {
        "model_version": metadata["model_version"],
        "trained_at": metadata["trained_at"],
        "artifact_sha256": metadata["artifact_sha256"],
        "is_promoted": metadata["promotion"]["promoted"],
        "promotion_reason": metadata["promotion"]["reason"],
        "metadata_json": json.dumps(metadata),
    }
    return pd.DataFrame([row], columns=LEDGER_COLUMNS)


def own_ledger(dbt, session, engine: str) -> pd.DataFrame:
    """The training model's own table, the append-only ledger; empty on its first run."""
    if not dbt.is_incremental:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    relation = session.table(str(dbt.this)) if engine == "snowflake" else session.sql(f"select * from {dbt.this}")
    return to_pandas(relation)


def no_new_version(dbt, session, engine: str):
    """What the training model appends when the inputs are unchanged: no row, with the ledger's own columns."""
    if engine == "snowflake":
        return session.table(str(dbt.this)).limit(0)
    return session.sql(f"select * from {dbt.this} where 1 = 0")
