"""The project's conventions for its dbt metadata, as dbt-score rules; the suite fails when one is broken
(tests/python/test_dbt_conventions.py). By hand:

    PYTHONPATH=tests dbt-score lint --namespace dbt_conventions --run-dbt-parse --fail-any-item-under 10

Only these rules run (the namespace replaces dbt-score's own), and every model and exposure must pass all of
them: a score under 10 is a failure. tests/python/test_dbt_conventions.py shows each rule failing on a manifest
that breaks it.
"""

from dbt_score import Exposure, Model, RuleViolation, rule

# Folder under models/ -> the prefixes its model names take.
LAYER_PREFIXES = {
    "staging": ("stg_",),
    "core": ("dim_", "fct_"),
    "marts": ("mrt_", "agg_"),
    "ml": ("ml_",),
}
# The ML steps keep the names the guide gives them (docs/decisions.md, 5): the ml layer's only exceptions.
GUIDE_ML_NAMES = {
    "covariate_encoding",
    "training_testing_dataset",
    "hold_out_dataset_for_prediction",
    "encoding_mapping",
    "train_model_to_predict_position",
    "apply_prediction_to_position",
}
UNIQUENESS_TESTS = {"unique", "unique_combination"}
KEY_CONSTRAINTS = {"primary_key", "unique"}
CONTRACTED_LAYERS = ("core", "marts")


def _layer(model: Model) -> str | None:
    parts = model.original_file_path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "models" else None


@rule
def model_and_columns_are_described(model: Model) -> RuleViolation | None:
    """A model has a description, and so has every column in its yml."""
    if not model.description.strip():
        return RuleViolation("The model has no description.")
    missing = [column.name for column in model.columns if not column.description.strip()]
    if missing:
        return RuleViolation(f"Columns without a description: {', '.join(missing)}.")
    if not model.columns:
        return RuleViolation("The model documents no column.")


def _checks_its_key(model) -> bool:
    """A `unique` or `unique_combination` test, or a key constraint, on the model itself."""
    tests = {test.type for test in model.tests} | {test.type for column in model.columns for test in column.tests}
    constraints = {c.type for c in model.constraints} | {c.type for col in model.columns for c in col.constraints}
    return bool(tests & UNIQUENESS_TESTS or constraints & KEY_CONSTRAINTS)


def _holds_every_row_of(model, parent) -> bool:
    """`model` has a has_every_row_of test whose parent is `parent`."""
    return any(
        test.type == "has_every_row_of" and test.kwargs.get("parent", "").replace('"', "'") == f"ref('{parent.name}')"
        for test in model.tests
    )


@rule
def model_has_a_primary_key_check(model: Model) -> RuleViolation | None:
    """A model has a primary-key check: a `unique` or `unique_combination` test, or a key constraint; or it is
    tied by has_every_row_of to a model that has one: a staging view to the core table that holds every row of
    it, a mart to the unique table whose rows it joins only on unique keys (docs/decisions.md, 60)."""
    if _checks_its_key(model):
        return None
    tied = [p for p in model.parents if isinstance(p, Model) and _holds_every_row_of(model, p)]
    tied += [c for c in model.children if isinstance(c, Model) and _holds_every_row_of(c, model)]
    if not any(_checks_its_key(other) for other in tied):
        return RuleViolation(
            "No unique or unique_combination test, no primary_key or unique constraint, and no has_every_row_of "
            "tie to a model with one."
        )


@rule
def model_name_follows_its_layer(model: Model) -> RuleViolation | None:
    """A model's name starts with its layer's prefix: staging stg_, core dim_ or fct_, marts mrt_ or agg_, ml ml_
    (or one of the guide's ML step names)."""
    layer = _layer(model)
    if layer not in LAYER_PREFIXES:
        return RuleViolation(f"{model.original_file_path} is in no layer folder ({', '.join(LAYER_PREFIXES)}).")
    if model.name.startswith(LAYER_PREFIXES[layer]) or (layer == "ml" and model.name in GUIDE_ML_NAMES):
        return None
    return RuleViolation(f"In models/{layer}, names start with {' or '.join(LAYER_PREFIXES[layer])}.")


@rule
def core_and_mart_tables_have_contracts(model: Model) -> RuleViolation | None:
    """A SQL table in core or marts enforces a contract: typed columns, and not_null as constraints of the table
    (docs/decisions.md, 27)."""
    table = model.config.get("materialized") in ("table", "incremental") and model.language == "sql"
    if table and _layer(model) in CONTRACTED_LAYERS and not model.config.get("contract", {}).get("enforced"):
        return RuleViolation("A core or mart SQL table without an enforced contract.")


@rule
def exposure_has_an_owner(exposure: Exposure) -> RuleViolation | None:
    """An exposure names its owner (a name or an email)."""
    owner = exposure.owner or {}
    if not (owner.get("name") or owner.get("email")):
        return RuleViolation("The exposure has no owner.")
