"""The dbt metadata: the project's conventions (dbt-score, tests/dbt_conventions.py), the checks the benchmark
counts against its baseline, and a parse dbt can reuse.

One `dbt parse` into a temporary target for the module. scripts/test runs the same linter on the project; here
each rule is also shown to fail on a manifest that breaks it, so a rule that can never fire is noticed.
"""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_DIR
from dbt.contracts.graph.manifest import Manifest
from dbt.parser.manifest import extended_mashumuro_decoder

from f1ml.dev.benchmark import checks

RULES = "dbt_conventions"  # tests/dbt_conventions.py


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parse")
    env = {**{k: v for k, v in os.environ.items() if k != "DBT_TARGET"}, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [sys.executable, "-m", "dbt.cli.main", "parse", "--profiles-dir", str(PROJECT_DIR)]
    command += ["--target-path", str(out / "target"), "--log-path", str(out / "logs")]
    subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    return out / "target"


def lint(manifest: dict, tmp_path: Path) -> dict[str, dict[str, str]]:
    """dbt-score with the project's rules on `manifest`: {unique_id: {rule: message}} of the rules that fail."""
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR / "tests")}
    command = [sys.executable, "-m", "dbt_score", "lint", "--namespace", RULES, "--manifest", str(path)]
    result = subprocess.run([*command, "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    evaluables = json.loads(result.stdout)["evaluables"]
    return {
        unique_id: {rule.split(".")[-1]: found["message"] for rule, found in item["results"].items()
                    if found["result"] != "OK"}
        for unique_id, item in evaluables.items()
        if any(found["result"] != "OK" for found in item["results"].values())
    }  # fmt: skip


def test_the_project_meets_its_conventions(target, tmp_path):
    assert lint(json.loads((target / "manifest.json").read_text()), tmp_path) == {}


def test_each_convention_fails_on_a_manifest_that_breaks_it(target, tmp_path):
    manifest = json.loads((target / "manifest.json").read_text())
    broken = copy.deepcopy(manifest)
    nodes = broken["nodes"]
    nodes["model.formula1_ml.dim_status"]["columns"]["status"]["description"] = ""
    # dim_seasons loses its own key check and its tie to stg_seasons'; the lap-time mart its tie to fct_lap_times'
    dropped = {"dim_seasons": ("unique", "has_every_row_of"), "mrt_lap_times_years": ("has_every_row_of",)}
    for unique_id, node in list(nodes.items()):
        model = (node.get("attached_node") or "").split(".")[-1]
        if (node.get("test_metadata") or {}).get("name") in dropped.get(model, ()):
            del nodes[unique_id]
    nodes["model.formula1_ml.dim_circuits"]["original_file_path"] = "models/staging/dim_circuits.sql"
    nodes["model.formula1_ml.fct_results"]["config"]["contract"]["enforced"] = False
    next(iter(broken["exposures"].values()))["owner"] = {"name": None, "email": None}
    failures = {uid.split(".")[-1]: sorted(rules) for uid, rules in lint(broken, tmp_path).items()}
    assert failures == {
        "dim_status": ["model_and_columns_are_described"],
        "dim_seasons": ["model_has_a_primary_key_check"],
        "mrt_lap_times_years": ["model_has_a_primary_key_check"],
        "dim_circuits": ["model_name_follows_its_layer"],
        "fct_results": ["core_and_mart_tables_have_contracts"],
        "formula1_results_app": ["exposure_has_an_owner"],
    }


def test_the_saved_parse_loads_so_dbt_can_reuse_it(target):
    """dbt reads target/partial_parse.msgpack back to skip parsing; if it cannot (e.g. a yml flow mapping whose
    unquoted commas make numbers into keys), every dbt command parses the whole project again, silently."""
    data = (target / "partial_parse.msgpack").read_bytes()
    Manifest.from_msgpack(data, decoder=extended_mashumuro_decoder)


def test_every_check_of_the_baseline_is_still_enforced_and_a_lost_one_is_named(target):
    baseline, replacements = checks.baseline()["checks"], checks.replaced()
    manifest = json.loads((target / "manifest.json").read_text())
    found = checks.compare_checks(baseline, checks.project_checks(manifest), replacements)
    assert found["missing"] == []
    assert len(found["replaced"]) == len(replacements)  # each replacement is still needed

    broken = copy.deepcopy(manifest)
    broken["nodes"]["model.formula1_ml.dim_circuits"]["columns"]["circuit_name"]["constraints"] = []
    for unique_id, node in list(broken["nodes"].items()):
        # dim_status no longer vouches for stg_status's rows; the replacement of a retired test is gone
        if node.get("attached_node") == "model.formula1_ml.dim_status" and "has_every_row_of" in node["name"]:
            del broken["nodes"][unique_id]
        if node.get("attached_node") == "model.formula1_ml.apply_prediction_to_position" and (
            node["test_metadata"]["name"] == "race_shaped_forecasts"
        ):
            del broken["nodes"][unique_id]
        # an accepted_values test that now accepts a value the baseline's did not
        if node.get("attached_node") == "model.formula1_ml.encoding_mapping" and "accepted_values" in node["name"]:
            node["test_metadata"]["kwargs"]["values"].append("one_hot_and_more")
    missing = checks.compare_checks(baseline, checks.project_checks(broken), replacements)["missing"]
    assert sorted((c["check"], c["on"], c["column"]) for c in missing) == [
        ("accepted_values", "encoding_mapping", "encoding"),
        ("not_null", "dim_circuits", "circuit_name"),
        ("not_null", "stg_circuits", "circuit_name"),  # dim_circuits vouched for it through has_every_row_of
        ("not_null", "stg_status", "status"),
        ("not_null", "stg_status", "status_id"),
        ("singular", "assert_class_probabilities_sum_to_one", None),  # its replacement is gone
        ("unique", "stg_status", "status"),
    ]
