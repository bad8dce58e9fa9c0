"""How the model's settings were chosen: variants scored on the selection seasons only.

For each selection season s (var selection_seasons in dbt_project.yml: seasons before the first backtest
season), a variant is fitted on the `training_seasons` seasons before s, as the retrain job would, and
scored on s. No backtest season is read. Two tables, means over the selection seasons:

1. the model: features, C, class weights, one-hot columns; each published as served (race-coherent
   probabilities, race-shaped calls), against the grid rule and the frequency baseline;
2. the race step on the chosen model: how probabilities are made coherent (none, one scaling round,
   iterative proportional fitting to convergence) and how calls are made (each driver's most likely class,
   the old rule dividing by class shares, the joint most likely assignment of the race's places, and the
   served rule: podium to the 3 drivers likeliest on the podium, points to the next 7 likeliest in the top
   ten).

Reads main.ml_data_prep from a built database (scripts/run).

    f1-model-selection [--database formula1.duckdb]
"""

import argparse
import warnings

import duckdb
import numpy as np
import pandas as pd
import yaml
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import OneHotEncoder

from f1ml import PROJECT_DIR, default_database
from f1ml.ml.baselines import frequency_probabilities, grid_slot_frequencies
from f1ml.ml.engine import one_blas_thread
from f1ml.ml.metrics import scorecard
from f1ml.ml.pipeline import build_pipeline, canonical_rows, class_priors
from f1ml.ml.race import coherent_probabilities, race_calls, race_places, race_slices
from f1ml.ml.spec import (
    CLASSES,
    FORM_FEATURES,
    GRID_RULE_LABEL,
    LABEL,
    NUMERIC_FEATURES,
    QUALIFYING_FEATURES,
    SPLINE_FEATURE,
    STANDINGS_FEATURES,
)

# Nominal columns share one "infrequent" column below this many training rows, as unseen categories do.
MIN_CATEGORY_ROWS = 50
GRID = ["pit_lane_start"]
# name: (numeric features, nominal features, C, class weight)
VARIANTS = {
    "grid spline only": (GRID, [], 1.0, None),
    "+ qualifying": (GRID + QUALIFYING_FEATURES, [], 1.0, None),
    "+ qualifying, standings": (GRID + QUALIFYING_FEATURES + STANDINGS_FEATURES, [], 1.0, None),
    "+ qualifying, standings, form (all), C=1": (NUMERIC_FEATURES, [], 1.0, None),
    "all, C=0.3": (NUMERIC_FEATURES, [], 0.3, None),
    "all, C=0.1 (chosen)": (NUMERIC_FEATURES, [], 0.1, None),
    "all, C=0.03": (NUMERIC_FEATURES, [], 0.03, None),
    "all, C=0.1, balanced class weights": (NUMERIC_FEATURES, [], 0.1, "balanced"),
    "all + team one-hot, C=0.1": (NUMERIC_FEATURES, ["constructor_team"], 0.1, None),
    "all + team and driver one-hot, C=0.1": (NUMERIC_FEATURES, ["constructor_team", "driver_ref"], 0.1, None),
}
CHOSEN = "all, C=0.1 (chosen)"
SERVED_CALLS = "podium to the 3 likeliest, points to the next 7 likeliest in the top ten (served)"
assert set(FORM_FEATURES) < set(NUMERIC_FEATURES)


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def variant_pipeline(numeric, nominal, c, class_weight):
    """The served Pipeline with other features or settings; nominal columns one-hot encoded."""
    pipeline = build_pipeline(numeric=numeric, c=c)
    if nominal:
        one_hot = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_CATEGORY_ROWS)
        pipeline.named_steps["encode"].transformers.append(("nominal", one_hot, list(nominal)))
    return pipeline.set_params(classify__class_weight=class_weight)


def season_fits(data: pd.DataFrame, seasons, training_seasons: int, variant) -> list[tuple[pd.DataFrame, np.ndarray]]:
    """For each season: its rows with the frequency baseline, and the variant's probabilities from a fit on the
    seasons before it."""
    numeric, nominal, c, class_weight = variant
    features = [SPLINE_FEATURE, *numeric, *nominal]
    fits = []
    for season in seasons:
        fit_rows = data[data["race_year"].between(season - training_seasons, season - 1)]
        scored = data[data["race_year"] == season].reset_index(drop=True)
        pipeline = variant_pipeline(numeric, nominal, c, class_weight).fit(fit_rows[features], fit_rows[LABEL])
        frequencies = grid_slot_frequencies(fit_rows[SPLINE_FEATURE], fit_rows[LABEL])
        baseline = frequency_probabilities(frequencies, scored[SPLINE_FEATURE])
        rows = scored[["race_id", "driver_id", LABEL, GRID_RULE_LABEL]].assign(
            **{f"frequency_prob_{i}": baseline[:, i] for i in range(3)},
            prior=[class_priors(fit_rows[LABEL])] * len(scored),
        )
        fits.append((rows, pipeline.predict_proba(scored[features])))
    return fits


def one_scaling_round(probabilities, race_ids, driver_ids) -> np.ndarray:
    """Each race's class columns scaled once to its places, then each row renormalised (a cheaper coupling)."""
    scaled = np.asarray(probabilities, dtype="float64").copy()
    for rows in race_slices(race_ids, driver_ids):
        if len(rows) >= 12:
            scaled[rows] *= race_places(len(rows)) / scaled[rows].sum(axis=0)
            scaled[rows] /= scaled[rows].sum(axis=1, keepdims=True)
    return scaled


def most_likely_classes(probabilities: np.ndarray) -> np.ndarray:
    """One race: the classes, filling each class's places, that maximise the summed log probability (the joint
    most likely assignment, solved exactly as an assignment problem over the race's places)."""
    places = race_places(len(probabilities)).astype("int64")
    slot_classes = np.repeat(np.arange(len(CLASSES)), places)
    cost = -np.log(np.clip(probabilities, 1e-300, None))[:, slot_classes]
    drivers, slots = linear_sum_assignment(cost)
    classes = np.empty(len(probabilities), dtype="int64")
    classes[drivers] = np.asarray(CLASSES)[slot_classes[slots]]
    return classes


def most_likely_assignment(probabilities, race_ids, driver_ids) -> np.ndarray:
    calls = np.full(len(probabilities), CLASSES[2])
    for rows in race_slices(race_ids, driver_ids):
        calls[rows] = most_likely_classes(np.asarray(probabilities)[rows])
    return calls


COUPLINGS = {
    "none (each driver alone)": lambda p, races, drivers: p,
    "one scaling round": one_scaling_round,
    "iterative proportional fitting (served)": lambda p, races, drivers: coherent_probabilities(p, races, drivers)[0],
}
CALL_RULES = {
    "each driver's most likely class": lambda p, rows: np.array(CLASSES)[np.argmax(p, axis=1)],
    "largest probability / class share (the old rule)": lambda p, rows: np.array(CLASSES)[
        np.argmax(p / np.vstack(rows["prior"]), axis=1)
    ],
    "joint most likely assignment of the race's places": lambda p, rows: most_likely_assignment(
        p, rows["race_id"], rows["driver_id"]
    ),
    "podium to the 3 likeliest, points to the next 7 likeliest in the top ten (served)": lambda p, rows: race_calls(
        p, rows["race_id"], rows["driver_id"]
    ),
}


def score(fits, coupling, call_rule) -> dict:
    """Means over the seasons of the scorecard, probabilities coupled and calls made as given."""
    cards = []
    for rows, uncoupled in fits:
        coupled = coupling(uncoupled, rows["race_id"], rows["driver_id"])
        scored = rows.assign(predicted_position_label=call_rule(coupled, rows))
        for i, key in enumerate(["podium", "points", "no_points"]):
            scored[f"prob_{key}"], scored[f"uncoupled_prob_{key}"] = coupled[:, i], uncoupled[:, i]
            scored[f"frequency_prob_{key}"] = rows[f"frequency_prob_{i}"]
        cards.append(scorecard(scored, seed=0, replicates=0)[0])
    return pd.DataFrame(cards).mean(numeric_only=True).to_dict()


def selection_data(database: str, seasons, training_seasons) -> pd.DataFrame:
    with duckdb.connect(database, read_only=True) as con:
        data = con.sql(
            f"select * from main.ml_data_prep where race_status = 'run' and race_year between "
            f"{min(seasons) - training_seasons} and {max(seasons)}"
        ).df()
    missing = [s for s in seasons if not (data["race_year"] == s).any() or not (data["race_year"] < s).any()]
    if missing:
        raise SystemExit(
            f"model selection: selection season(s) {', '.join(map(str, missing))} (var selection_seasons) have no "
            f"rows, or no earlier season, in main.ml_data_prep of {database}; set selection_seasons to seasons "
            "this data holds"
        )
    return canonical_rows(data)  # as training fits them


def selection_report(database: str) -> str:
    """The variants' and the race steps' scores on the selection seasons, as Markdown."""
    settings = project_vars()
    seasons, training_seasons = [int(s) for s in settings["selection_seasons"]], int(settings["training_seasons"])
    data = selection_data(database, seasons, training_seasons)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    served = (COUPLINGS["iterative proportional fitting (served)"], CALL_RULES[SERVED_CALLS])
    lines = [
        f"Means over the selection seasons {', '.join(map(str, seasons))}, each forecast by a fit on the "
        f"{training_seasons} seasons before it (f1-model-selection). The model, published as served:",
        "",
        "| variant | accuracy | vs grid rule | balanced accuracy | vs grid rule | log loss | vs frequency baseline |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    with one_blas_thread():
        chosen = None
        for name, variant in VARIANTS.items():
            fits = season_fits(data, seasons, training_seasons, variant)
            chosen = fits if name == CHOSEN else chosen
            s = score(fits, *served)
            lines.append(
                f"| {name} | {s['model_accuracy']:.3f} | {s['accuracy_difference']:+.3f} "
                f"| {s['model_balanced_accuracy']:.3f} | {s['balanced_accuracy_difference']:+.3f} "
                f"| {s['model_log_loss']:.3f} | {s['log_loss_difference']:+.3f} |"
            )
        lines += ["", "The race step, on the chosen model:", "",
                  "| probabilities | log loss | Brier score |", "|---|---:|---:|"]  # fmt: skip
        for name, coupling in COUPLINGS.items():
            s = score(chosen, coupling, served[1])
            lines.append(f"| {name} | {s['model_log_loss']:.4f} | {s['model_brier_score']:.4f} |")
        lines += ["", "| calls | accuracy | macro F1 | balanced accuracy | podium calls per race |",
                  "|---|---:|---:|---:|---:|"]  # fmt: skip
        for name, rule in CALL_RULES.items():
            s = score(chosen, served[0], rule)
            lines.append(
                f"| {name} | {s['model_accuracy']:.3f} | {s['model_macro_f1']:.3f} "
                f"| {s['model_balanced_accuracy']:.3f} | {s['podium_calls_per_race']:.1f} |"
            )
        grid = score(chosen, *served)
        lines.append(
            f"| grid rule (grid 1-3 podium, 4-10 points) | {grid['grid_rule_accuracy']:.3f} "
            f"| {grid['grid_rule_macro_f1']:.3f} | {grid['grid_rule_balanced_accuracy']:.3f} | 3.0 |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(default_database()))
    print(selection_report(parser.parse_args().database))


if __name__ == "__main__":
    main()
