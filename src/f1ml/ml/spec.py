"""What the model is: its name, label, classes, features and settings.

The settings were chosen with f1-model-selection on the selection seasons (var selection_seasons,
2012-2014) only, before the first backtest season (docs/model_card.md); the backtest never chose anything.
"""

MODEL_NAME = "driver_position"
ARTIFACT_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
# Version of the metadata layout: prediction refuses a version recorded with an older layout.
METADATA_LAYOUT = 2

LABEL = "position_label"
GRID_RULE_LABEL = "grid_baseline_label"
CLASSES = [1, 2, 3]
CLASS_KEYS = ["podium", "points", "no_points"]
LABEL_DEFINITION = {
    "1": "podium: classified 1st to 3rd",
    "2": "points: classified 4th to 10th",
    "3": "no points: classified 11th or lower, or not classified (every DNF)",
}
# Places a race has for each class when the field is large enough (race.race_places).
PODIUM_PLACES, POINTS_PLACES = 3, 7

SPLINE_FEATURE = "grid_position"
QUALIFYING_FEATURES = [
    "qualifying_position", "qualifying_gap_to_pole_pct", "grid_penalty_places", "teammate_grid_delta",
    "teammate_qualifying_gap_pct",
]  # fmt: skip
STANDINGS_FEATURES = [
    "driver_standing_before", "driver_points_share_before", "constructor_standing_before",
    "constructor_points_share_before",
]  # fmt: skip
FORM_FEATURES = [
    "driver_finish_avg_5", "driver_finish_avg_10", "driver_top_ten_rate_10", "driver_podium_rate_10",
    "driver_confidence", "constructor_finish_avg_5", "constructor_finish_avg_10", "constructor_top_ten_rate_10",
    "constructor_podium_rate_10", "constructor_reliability",
]  # fmt: skip
NUMERIC_FEATURES = ["pit_lane_start", *QUALIFYING_FEATURES, *STANDINGS_FEATURES, *FORM_FEATURES]
FEATURES = [SPLINE_FEATURE, *NUMERIC_FEATURES]
REGULARIZATION_C = 0.1
# The solver, its tolerance, and how far its probabilities may be from an exact solve (pipeline.exact_pipeline).
# Newton-Cholesky (each step solved from the full Hessian; multinomial since scikit-learn 1.6) at 1e-10 takes 8 to
# 11 steps at 1x, 10x and 100x the data and lands within 2e-7 of the exact solve at each, 2 to 3 times faster than
# Newton-CG at 1e-8, the solver before (docs/decisions.md, 49 and 58).
SOLVER = "newton-cholesky"
SOLVER_TOLERANCE = 1e-10
SOLVER_AGREEMENT = 1e-4
# The frequency baseline: class frequencies per grid slot in the training rows, slots beyond this one pooled.
GRID_SLOTS = 20
# At least one season to fit on and the last one to validate on.
MIN_TRAINING_SEASONS = 2
# The paired race bootstrap's resamples.
REPLICATES = 2000
