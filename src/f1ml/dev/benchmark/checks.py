"""What the project's data tests and constraints enforce, compared with a baseline: the data tests of commit
15e353a, before the contracts and the one-check-per-row consolidation (docs/decisions.md, 27-28). Every check of
the baseline must still be enforced: by the same test, a not_null constraint, or the same check on the core table
that holds every row of a staging view, or replaced on purpose by the check named in checks_replaced.json (with
why). The baseline is the fixture of the test that says so (tests/python/test_dbt_conventions.py); the benchmark
reports the same comparison as its "no check lost" target.
"""

from __future__ import annotations

import json
import re

from f1ml import PROJECT_DIR

FIXTURES = PROJECT_DIR / "tests" / "python" / "fixtures"
BASELINE = FIXTURES / "checks_15e353a.json"
# Baseline checks a redesign replaced on purpose: {"baseline": check, "by": check or null, "why": text}.
REPLACED = FIXTURES / "checks_replaced.json"


def baseline() -> dict:
    """{"commit": ..., "checks": [...]} of the baseline file."""
    return json.loads(BASELINE.read_text())


def replaced() -> list[dict]:
    return json.loads(REPLACED.read_text())["replaced"]


RETIRED = "no test: retired on purpose"


def describe(check: dict) -> str:
    """A check in a few words: `unique(scope) on ml_hold_out_evaluation`."""
    if check["check"] == "singular":
        return f"singular test {check['on']}"
    column = check["column"] or ""
    arguments = ", ".join(f"{k}: {json.dumps(v)}" for k, v in sorted(check["arguments"].items()))
    inside = "; ".join(part for part in (column, arguments) if part)
    return f"{check['check']}({inside}) on {check['on']}"


def _check_target(node: dict) -> str:
    """The model a test is attached to, by name, or the source it reads (`source formula1.lap_times`)."""
    if node.get("attached_node"):
        return node["attached_node"].split(".")[-1]
    model = (node.get("test_metadata") or {}).get("kwargs", {}).get("model", "")
    found = re.search(r"source\('(\w+)', '(\w+)'\)", model)
    return f"source {found.group(1)}.{found.group(2)}" if found else model


def _check_key(check: dict) -> str:
    return json.dumps([check["check"], check["on"], check["column"], check["arguments"]], sort_keys=True)


def project_checks(manifest: dict) -> list[dict]:
    """Every check of the project: each data test (generic: test, model or source, column, arguments and `where`;
    singular: its name) and each not_null constraint of a model whose contract is enforced."""
    project = manifest["metadata"]["project_name"]
    checks = []
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node["package_name"] == project:
            meta = node.get("test_metadata")
            if not meta:
                checks.append({"check": "singular", "on": node["name"], "column": None, "arguments": {}, "by": "test"})
                continue
            arguments = {k: v for k, v in meta["kwargs"].items() if k not in ("model", "column_name")}
            if node["config"].get("where"):
                arguments["where"] = node["config"]["where"]
            column = meta["kwargs"].get("column_name")
            checks.append({"check": meta["name"], "on": _check_target(node), "column": column, "arguments": arguments,
                           "by": "test"})  # fmt: skip
        elif node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced"):
            for column in node["columns"].values():
                if any(constraint["type"] == "not_null" for constraint in column.get("constraints", [])):
                    checks.append({"check": "not_null", "on": node["name"], "column": column["name"], "arguments": {},
                                   "by": "constraint"})  # fmt: skip
    return sorted(checks, key=_check_key)


def _within(narrow: dict, wide: dict) -> bool:
    """in_range arguments `narrow` allow no value that `wide` rejects (same other arguments)."""
    bounds = ("min_value", "max_value")
    if {k: v for k, v in narrow.items() if k not in bounds} != {k: v for k, v in wide.items() if k not in bounds}:
        return False
    for bound, sign in zip(bounds, (1, -1), strict=True):
        want, have = wide.get(bound), narrow.get(bound)
        if want is None:
            continue
        numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (want, have))
        if not (have == want or (numbers and sign * (have - want) > 0)):
            return False
    return True


def compare_checks(before: list[dict], now: list[dict], replacements: list[dict] = ()) -> dict:
    """How each check of `before` is enforced in `now`, or replaced on purpose (`replacements`); the ones that are
    not. A replacement counts only while the check replacing it is in `now`."""
    tests = {_check_key(c) for c in now if c["by"] == "test"}
    replacing = {_check_key(r["baseline"]): r for r in replacements}
    not_null = {(c["on"], c["column"]) for c in now if c["by"] == "constraint"}
    in_ranges = [c for c in now if c["check"] == "in_range" and c["by"] == "test"]
    # A core table with has_every_row_of(parent) holds every row of that staging view, columns unchanged.
    holder = {re.sub(r"ref\('(\w+)'\)", r"\1", c["arguments"]["parent"]): c["on"] for c in now
              if c["check"] == "has_every_row_of"}  # fmt: skip

    def enforced_on(check: dict, model: str) -> str | None:
        if _check_key({**check, "on": model}) in tests:
            return "the same test"
        if check["check"] == "not_null" and not check["arguments"] and (model, check["column"]) in not_null:
            return "a not_null constraint"
        if check["check"] == "in_range" and any(
            c["on"] == model and c["column"] == check["column"] and _within(c["arguments"], check["arguments"])
            for c in in_ranges
        ):
            return "a narrower in_range test"
        if check["check"] == "accepted_values" and any(
            c["check"] == "accepted_values"
            and c["on"] == model
            and c["column"] == check["column"]
            and {**c["arguments"], "values": None} == {**check["arguments"], "values": None}
            and set(map(str, c["arguments"]["values"])) <= set(map(str, check["arguments"]["values"]))
            for c in now
        ):
            return "a narrower accepted_values test"
        return None

    ways, missing, replaced_now = {}, [], []
    for check in before:
        way = enforced_on(check, check["on"])
        if way is None and check["on"] in holder:
            way = enforced_on(check, holder[check["on"]])
            way = way and f"{way} on the core table that holds every row of the staging view"
        replacement = replacing.get(_check_key(check)) if way is None else None
        if replacement and replacement["by"] is None:
            way = RETIRED
        elif replacement and _check_key(replacement["by"]) in tests:
            way = "another test, replaced on purpose"
        if way is None:
            missing.append(check)
        else:
            ways[way] = ways.get(way, 0) + 1
            if replacement:
                replaced_now.append(replacement)
    before_keys = {_check_key(c) for c in before}
    added = [c for c in now if c["by"] == "test" and _check_key(c) not in before_keys]
    return {
        "before": len(before),
        "enforced": dict(sorted(ways.items(), key=lambda item: -item[1])),
        "missing": missing,
        "replaced": replaced_now,
        "now_tests": sum(c["by"] == "test" for c in now),
        "now_constraints": sum(c["by"] == "constraint" for c in now),
        "added_tests": sorted({c["check"] for c in added}),
        "added_test_count": len(added),
    }
