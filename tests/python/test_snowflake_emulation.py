"""The Snowflake side of the project without an account: offline compile, fakesnow build, Snowflake SQL check.

Three dbt runs start at once as subprocesses (temporary target and log paths; the project's target/, logs/
and DuckDB file are left alone), then the tests read their artifacts:

1. Offline compile for the `snowflake` target (dummy SNOWFLAKE_* variables, `--no-populate-cache
   --no-introspect`, in a copy of the project whose is_incremental() never asks the warehouse:
   tests/python/project_copy.py): every model, SQL and Python, and every data test must compile, and every
   source must point at FORMULA1.RAW as setup/01_raw_load.sql creates it.
2. `dbt build --target fakesnow` (tests/python/fakesnow_build.py): the 14 raw tables with the full shipped data
   (lap_times: 589,081 rows; write_pandas takes about 1 s for all 14) in ANALYTICS.RAW, then every seed, SQL
   model and data test except those below, which must all pass. The expected set is computed from the
   manifest, not written down here. Then, on the same database, the raw tables are loaded again from an export
   that corrects old races (tests/python/exports.py), as an admin rerunning setup/01_raw_load.sql would, and
   `dbt build --select fct_results+` (its SQL side) must pass every test, assert_fct_results_equals_stg_results
   among them, and show the corrections in mrt_results: on Snowflake too a rebuild absorbs them.
3. Snowflake SQL check (sqlglot, `read="snowflake"`) of the Snowflake-compiled SQL of every SQL model, data
   test and analysis, the ones fakesnow cannot run included. It exists because fakesnow does not catch DuckDB-only
   functions: it transpiles Snowflake SQL to DuckDB with sqlglot, which passes a function it does not know
   (`strftime`, `list_value`, `epoch_ms`, ...) through unchanged to DuckDB, which runs it. The check fails on
   - SQL sqlglot cannot parse as Snowflake SQL, or Jinja left unrendered (`{{`, `{%`);
   - a call sqlglot does not know as a function (exp.Anonymous), unless in SNOWFLAKE_FUNCTIONS_SQLGLOT_LACKS;
   - a call by a DuckDB-only name that sqlglot maps onto a generic function and so does not flag
     (`regexp_full_match`, `arg_max`, `string_agg`, ...): DUCKDB_ONLY_FUNCTIONS.
   The proof it can fail runs in this module: a copy of the project (tmp_path) gets `strftime` in stg_status,
   `regexp_full_match` in stg_seasons and `date_diff` in stg_circuits; fakesnow builds the first two (blind to
   them) and only fails the third, while the SQL check names all three.

Not run on fakesnow (fakesnow 0.12.1), and why (which nodes: computed from the manifest; the test prints them):
- the Python models: dbt-snowflake submits them as an anonymous stored procedure
  (`WITH <name> AS PROCEDURE ... CALL`), which fakesnow cannot parse; their Snowpark code needs a real account;
- the SQL models downstream of them (e.g. ml_hold_out_confusion_matrix, ml_calibration): they read predictions only
  a Python model makes. Their compiled SQL is still checked by 3;
- the data tests of any of these;
- the unit tests: dbt builds their fixtures as temporary tables, and fakesnow refuses temporary
  tables in a named database. They run on DuckDB (tests/python/test_pipeline_e2e.py and `dbt build`);
- the second run of an incremental model (a merge or delete+insert goes through a temporary table, same
  reason): the only incremental model left is the ledger, a Python model.

Cost: about 50 s of CPU in all before the corrections' reload and rebuild (111 nodes, 11 s); the three runs
overlap: 76 s wall for the module on the 2-core machine at load average 3 (2026-12-06), 70 to 100 s before the
rebuild existed while other jobs kept it at load average 7 to 9.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlglot
from conftest import DUMMY_SNOWFLAKE_ENV
from exports import write_corrected_export
from project_copy import copy_project
from sqlglot import exp
from sqlglot.tokens import TokenType

from f1ml import PROJECT_DIR
from f1ml.ml.race import race_forecasts

FAKESNOW_PROFILE = Path(__file__).resolve().parent / "fakesnow_profile"
HELPER = Path(__file__).with_name("fakesnow_build.py")
DEV_SCHEMA = DUMMY_SNOWFLAKE_ENV["SNOWFLAKE_SCHEMA"]
# fakesnow's `describe table` sees only the current database, so the raw tables live in ANALYTICS.RAW there.
FAKESNOW_BUILD = [
    "build", "--target", "fakesnow", "--vars", "{raw_database: analytics}",
    "--exclude", "file:*.py+", "--exclude-resource-type", "unit_test",
]  # fmt: skip
# After the build and a reload of the raw tables from the corrected export, on the same database: what the
# corrections change, then the corrected results as mrt_results holds them. --no-write-json keeps the build's
# run_results.json for the tests of 2.
REBUILD_CORRECTED = [
    "build", "--target", "fakesnow", "--vars", "{raw_database: analytics}", "--select", "fct_results+",
    "--exclude", "file:*.py+", "--exclude-resource-type", "unit_test", "--no-write-json",
]  # fmt: skip


def show_results(result_ids) -> list[str]:
    listed = ", ".join(str(result_id) for result_id in sorted(result_ids))
    sql = f"select result_id, position_text, status from {{{{ ref('mrt_results') }}}} where result_id in ({listed})"
    return ["show", "--target", "fakesnow", "--vars", "{raw_database: analytics}", "--inline", sql,
            "--limit", "10", "--no-write-json"]  # fmt: skip


TIMEOUT_SECONDS = 600

# Real Snowflake functions that sqlglot (30.22) parses as exp.Anonymous: none used by the project today.
# Add a name only with the link to its page in Snowflake's function reference.
SNOWFLAKE_FUNCTIONS_SQLGLOT_LACKS: frozenset[str] = frozenset()

# DuckDB function names that sqlglot's Snowflake parser maps onto one of its generic functions, so they are not
# exp.Anonymous and the check above would let them through, and that Snowflake does not have (its name for the
# same thing in the comment). Found by parsing every name of DuckDB's duckdb_functions() with read="snowflake";
# names Snowflake also has (len, substr, pow, var_pop, ...) and doubtful ones are left out.
DUCKDB_ONLY_FUNCTIONS = frozenset(
    {
        "approx_quantile",  # approx_percentile
        "arg_max", "argmax", "arg_min", "argmin",  # max_by, min_by
        "array_concat", "array_filter", "array_has", "array_has_all", "array_intersect", "array_length",
        "countif",  # count_if
        "date_diff", "date_sub",  # datediff, dateadd
        "encode", "format",
        "ends_with", "starts_with",  # endswith, startswith
        "first", "last",  # first_value, last_value
        "from_base64", "to_base64", "from_json",  # base64_decode_string, base64_encode, parse_json
        "gen_random_uuid", "uuid",  # uuid_string
        "generate_series", "unnest",  # generator, flatten
        "get_bit", "xor",  # getbit, boolxor
        "group_concat", "string_agg",  # listagg
        "hex", "to_hex", "unhex",  # hex_encode, hex_decode_binary
        "instr", "strpos",  # charindex, position
        "isinf", "isnan", "isodow",
        "json_extract", "json_keys", "json_object", "json_remove", "json_set", "json_strip_nulls", "json_type",
        "lcase", "ucase",  # lower, upper
        "levenshtein",  # editdistance
        "list", "map_from_entries", "quantile", "struct_extract", "to_days",
        "log10", "log2",  # log(base, x)
        "read_csv", "read_parquet",
        "regexp_extract", "regexp_extract_all",  # regexp_substr, regexp_substr_all
        "regexp_full_match",  # regexp_like (anchored on Snowflake)
        "skewness",  # skew
        "string_to_array",  # split, strtok_to_array
    }
)  # fmt: skip
CHECKED_RESOURCE_TYPES = ("model", "test", "analysis")  # analyses: not run by dbt, but meant for Snowflake too
_NOT_A_CALL_AFTER = {TokenType.DOT, TokenType.DCOLON, TokenType.ALIAS}  # x.name(, ::type(, as type(


def snowflake_sql_problems(sql: str) -> list[str]:
    """What in `sql` Snowflake would reject, as far as sqlglot's Snowflake dialect can tell; [] if nothing."""
    try:
        statements = sqlglot.parse(sql, read="snowflake")
    except sqlglot.errors.ParseError as error:
        return [f"not Snowflake SQL to sqlglot: {str(error).splitlines()[0]}"]
    problems = set()
    for statement in filter(None, statements):
        for call in statement.find_all(exp.Anonymous):
            name = call.name.lower()
            if name not in SNOWFLAKE_FUNCTIONS_SQLGLOT_LACKS:
                problems.add(f"{name}(): not a function of sqlglot's Snowflake dialect")
    tokens = sqlglot.tokenize(sql, read="snowflake")
    for before, token, after in zip([None, *tokens], tokens, tokens[1:], strict=False):
        if token.token_type == TokenType.BLOCK_START or (token.token_type == after.token_type == TokenType.L_BRACE):
            problems.add(f"{token.text}{after.text}: Jinja left unrendered")
        name = token.text.lower()
        called = after.token_type == TokenType.L_PAREN and getattr(before, "token_type", None) not in _NOT_A_CALL_AFTER
        if called and name in DUCKDB_ONLY_FUNCTIONS:
            problems.add(f"{name}(): DuckDB-only function")
    return sorted(problems)


def manifest_sql_problems(manifest: dict) -> dict[str, list[str]]:
    """snowflake_sql_problems of every compiled SQL model, data test and analysis; only the nodes with problems."""
    found = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] in CHECKED_RESOURCE_TYPES and node["language"] == "sql" and node.get("compiled_code"):
            problems = snowflake_sql_problems(node["compiled_code"])
            if problems:
                found[unique_id] = problems
    return found


def downstream_of_python_models(manifest: dict) -> set[str]:
    """The Python models and every node that depends on one, directly or not."""
    pending = [uid for uid, node in manifest["nodes"].items() if node.get("language") == "python"]
    found = set(pending)
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def expected_on_fakesnow(manifest: dict) -> set[str]:
    """Seeds, models, data tests and the build stamp hook: what `dbt build` should run on fakesnow (no Python)."""
    kinds = ("seed", "model", "test", "snapshot", "operation")  # operation: the on-run-end hook
    runnable = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] in kinds}
    return runnable - downstream_of_python_models(manifest)


# The dbt runs: started together by the module fixture, waited for by the tests that need them.


def dbt_env(extra: dict[str, str]) -> dict[str, str]:
    """The current environment without any real Snowflake setting or target choice, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_") and k != "DBT_TARGET"}
    env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILES_DIR": str(PROJECT_DIR), **extra})
    return env


@dataclass
class Run:
    name: str
    process: subprocess.Popen
    out: Path

    def wait(self) -> Run:
        self.process.wait(timeout=TIMEOUT_SECONDS)
        return self

    @property
    def returncode(self) -> int:
        return self.wait().process.returncode

    @property
    def output(self) -> str:
        self.wait()
        return (self.out / "output.txt").read_text()

    def results(self, number: int) -> list[dict]:
        """Node results of the run's dbt command `number` (fakesnow_build.py --results-dir)."""
        path = self.wait().out / "results" / f"{number}.json"
        assert path.exists(), f"{self.name}: dbt command {number} did not run; output:\n{self.output[-5000:]}"
        return json.loads(path.read_text())

    def artifact(self, name: str) -> dict:
        path = self.wait().out / "target" / name
        assert path.exists(), f"{self.name}: no {name}; dbt output:\n{self.output[-5000:]}"
        return json.loads(path.read_text())


def start(name: str, prefix: list[str], commands: list[list[str]], out: Path, project: Path, env: dict) -> Run:
    """Start `prefix` + the dbt commands (joined by fakesnow_build.py's --then), each with the paths under `out`."""
    out.mkdir(parents=True)
    paths = ["--project-dir", str(project), "--profiles-dir", env["DBT_PROFILES_DIR"]]
    paths += ["--target-path", str(out / "target"), "--log-path", str(out / "logs")]
    argv = [*prefix]
    for number, command in enumerate(commands):
        argv += [*(["--then"] if number else []), *command, *paths]
    with (out / "output.txt").open("w") as log:
        process = subprocess.Popen(argv, cwd=out, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    return Run(name, process, out)


def copy_with_duckdb_only_functions(destination: Path) -> Path:
    """The project's dbt files, with a DuckDB-only function added to three staging models."""
    copy_project(destination)
    for model, expression in DUCKDB_ONLY_PROBES.items():
        path = destination / "models" / "staging" / f"{model}.sql"
        sql = path.read_text()
        assert sql.rstrip().endswith("select * from renamed"), path
        probe = f"select renamed.*, {expression} as duckdb_only\nfrom renamed\n"
        path.write_text(sql.rstrip().removesuffix("select * from renamed") + probe)
    return destination


# model -> DuckDB-only expression added to it, in the copy only
DUCKDB_ONLY_PROBES = {
    "stg_status": "strftime(current_date, '%Y')",  # unknown to sqlglot: passed through to DuckDB, runs
    "stg_seasons": "regexp_full_match(season_url, 'http.*')",  # sqlglot's generic RegexpFullMatch: runs on fakesnow
    "stg_circuits": "date_diff('day', date '2020-01-01', current_date)",  # sqlglot reorders its arguments: fails
}


@pytest.fixture(scope="module")
def corrected_export(tmp_path_factory):
    directory = tmp_path_factory.mktemp("corrected_export")
    return directory, write_corrected_export(directory)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, corrected_export) -> Iterator[dict[str, Run]]:
    tmp = tmp_path_factory.mktemp("snowflake_emulation")
    export, fix = corrected_export
    copy = copy_with_duckdb_only_functions(tmp_path_factory.mktemp("project_copy"))
    dbt = [sys.executable, "-m", "dbt.cli.main"]
    compile_args = ["compile", "--target", "snowflake", "--no-populate-cache", "--no-introspect"]
    offline = copy_project(tmp_path_factory.mktemp("offline_project"), offline_compile=True)
    env = dbt_env({"DBT_PROFILES_DIR": str(FAKESNOW_PROFILE)})  # the test-only fakesnow target
    started = {
        "compile": start("compile", dbt, [compile_args], tmp / "compile", offline, dbt_env(DUMMY_SNOWFLAKE_ENV)),
        "fakesnow": start(
            "fakesnow",
            fakesnow_helper(tmp / "fakesnow", "--reload-from", str(export)),
            [FAKESNOW_BUILD, REBUILD_CORRECTED, show_results({fix.disqualified, fix.deleted})],
            tmp / "fakesnow",
            PROJECT_DIR,
            env,
        ),
        "probes": start(
            "probes",
            fakesnow_helper(tmp / "probes"),
            [[*FAKESNOW_BUILD, "--select", *DUCKDB_ONLY_PROBES]],
            tmp / "probes",
            copy,
            env,
        ),
    }
    yield started
    for run in started.values():  # only when a test was interrupted or failed before waiting
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


def fakesnow_helper(out: Path, *options: str) -> list[str]:
    return [sys.executable, str(HELPER), "--results-dir", str(out / "results"), *options, "--"]


def model_files() -> dict[str, str]:
    files = sorted(PROJECT_DIR.glob("models/**/*.sql")) + sorted(PROJECT_DIR.glob("models/**/*.py"))
    return {path.stem: "python" if path.suffix == ".py" else "sql" for path in files}


# 1. Offline compile for the snowflake target


def test_offline_compile_compiles_every_model_for_snowflake(runs):
    run = runs["compile"]
    assert run.returncode == 0, f"offline dbt compile --target snowflake failed:\n{run.output[-5000:]}"
    manifest = run.artifact("manifest.json")
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    models = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert {name: node["language"] for name, node in models.items()} == model_files()
    for name, node in models.items():
        assert node["compiled"] and node["compiled_code"].strip(), f"{name} not compiled"
        assert node["database"] == "analytics" and node["schema"].startswith(DEV_SCHEMA), name
        if node["language"] == "python":
            assert "def model(dbt, session)" in node["compiled_code"], name
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    assert tests and all(node["compiled_code"].strip() for node in tests)
    for source in manifest["sources"].values():  # FORMULA1.RAW, as setup/01_raw_load.sql creates it
        assert source["relation_name"] == f"formula1.raw.{source['name']}", source["unique_id"]
    languages = [node["language"] for node in models.values()]
    print(f"compiled for snowflake: {languages.count('sql')} SQL + {languages.count('python')} Python models, "
          f"{len(tests)} data tests")  # fmt: skip


# 2. The SQL side built and tested on fakesnow


def test_fakesnow_builds_every_sql_model_seed_and_data_test(runs):
    run = runs["fakesnow"]
    output = run.output
    loaded = dict(re.findall(r"^fakesnow raw\.(\w+): (\d+) rows", output, re.M))
    assert len(loaded) == 14 and all(int(rows) > 0 for rows in loaded.values()), output[-5000:]
    manifest, results = run.artifact("manifest.json"), run.artifact("run_results.json")["results"]
    failed = {r["unique_id"]: r["message"] for r in results if r["status"] not in ("success", "pass")}
    assert not failed, f"failed on fakesnow: {json.dumps(failed, indent=1)}"
    assert run.returncode == 0, output[-5000:]
    ran = {r["unique_id"] for r in results}
    expected = expected_on_fakesnow(manifest)
    assert ran == expected, f"not run: {sorted(expected - ran)}; unexpected: {sorted(ran - expected)}"
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    sql_models = {n["unique_id"] for n in models if n["language"] == "sql"}
    assert sql_models - downstream_of_python_models(manifest) <= ran
    excluded_sql = sorted(n.split(".")[-1] for n in sql_models - ran)
    print(f"fakesnow: {len(sql_models & ran)} of {len(sql_models)} SQL models, {len(ran)} nodes passed; "
          f"SQL models downstream of Python models, not run: {excluded_sql}")  # fmt: skip


def test_corrections_to_old_races_reach_fct_results_and_mrt_results_on_fakesnow(runs, corrected_export):
    _, fix = corrected_export
    run = runs["fakesnow"]
    rebuilt = {r["unique_id"].split(".")[2]: r for r in run.results(1)}
    failed = {name: r["message"] for name, r in rebuilt.items() if r["status"] not in ("success", "pass")}
    assert not failed, f"failed on fakesnow after the corrections: {json.dumps(failed, indent=1)}"
    assert {"fct_results", "mrt_results", "ml_data_prep", "assert_fct_results_equals_stg_results"} <= set(rebuilt)
    [shown] = run.results(2)
    assert shown["rows"] == [[str(fix.disqualified), "D", "Disqualified"]]  # and the deleted result is gone


# 3. Snowflake SQL check, and the proof that it (not fakesnow) catches DuckDB-only functions


def test_compiled_sql_of_every_sql_model_data_test_and_analysis_is_snowflake_sql(runs):
    manifest = runs["compile"].artifact("manifest.json")
    checked = [n for n in manifest["nodes"].values() if n["resource_type"] in CHECKED_RESOURCE_TYPES]
    checked = [n for n in checked if n["language"] == "sql"]
    assert checked and all(n.get("compiled_code") for n in checked)
    assert manifest_sql_problems(manifest) == {}


def test_duckdb_only_functions_pass_fakesnow_and_fail_the_sql_check(runs):
    run = runs["probes"]
    manifest, results = run.artifact("manifest.json"), run.artifact("run_results.json")["results"]
    status = {r["unique_id"].split(".")[-1]: r["status"] for r in results}
    # fakesnow runs strftime and regexp_full_match (DuckDB does) and fails only the reordered date_diff ...
    assert status["stg_status"] == "success" and status["stg_seasons"] == "success", status
    assert status["stg_circuits"] == "error", status
    assert run.returncode != 0
    # ... while the SQL check names all three.
    problems = {uid.split(".")[-1]: found for uid, found in manifest_sql_problems(manifest).items()}
    assert problems == {
        "stg_status": ["strftime(): not a function of sqlglot's Snowflake dialect"],
        "stg_seasons": ["regexp_full_match(): DuckDB-only function"],
        "stg_circuits": ["date_diff(): DuckDB-only function"],
    }


@pytest.mark.parametrize(
    "sql",
    [
        "select list_value(1, 2)",
        "select epoch_ms(1000)",
        "select strftime(d, '%Y') from t",
        "select regexp_full_match(s, 'a.*') from t",
        "select arg_max(a, b) from t",
        "select string_agg(s, ',') from t",
        "select * from t where {{ x }}",
        "select {% if x %} 1 {% endif %}",
        "select * from {{ 'formula1' if target.type == 'snowflake' else '' }}.raw.status",
    ],
)
def test_sql_check_rejects(sql):
    assert snowflake_sql_problems(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select regexp_like(s, 'a.*'), iff(a > 0, 1, 0), try_cast(s as integer), len(s) from t",
        "select datediff('day', d1, d2), dateadd(day, 1, d), to_char(d, 'YYYY'), listagg(s, ',') from t",
        "select max_by(a, b), count_if(a > 1), cast(x as map(varchar, number)), x::number(38, 0) from t",
        "select first_value(a) over (order by b nulls first), t.first, t.hex from t",
        "select split_part(s, '-', 2), object_construct('a', 1):a::varchar, array_size(parse_json(s)) from t",
    ],
)
def test_sql_check_accepts_snowflake_sql(sql):
    assert snowflake_sql_problems(sql) == []


# 4. The race-shape data test fails a race that breaks it, with the SQL Snowflake runs, on both engines


def race_forecasts_table() -> pd.DataFrame:
    """Three races of 20: one as served, one with a fourth podium call, one whose podium chances add up to 3.3."""
    rng = np.random.default_rng(0)
    races = []
    for race_id in (1, 2, 3):
        rows = pd.DataFrame({"race_id": race_id, "driver_id": np.arange(20)})
        races.append(
            pd.concat([rows, race_forecasts(rows, rng.dirichlet([2, 3, 5], 20), np.ones((20, 3)) / 3)], axis=1)
        )
    table = pd.concat(races, ignore_index=True)
    fourth = table.index[(table["race_id"] == 2) & (table["predicted_position_label"] == 2)][0]
    table.loc[fourth, "predicted_position_label"] = 1
    third = table["race_id"] == 3
    table.loc[third, "prob_podium"] *= 1.1
    table.loc[third, "prob_no_points"] = 1 - table.loc[third, "prob_podium"] - table.loc[third, "prob_points"]
    return table


def test_the_race_shape_test_fails_exactly_the_races_that_break_it_on_duckdb_and_fakesnow(runs):
    import fakesnow
    import snowflake.connector

    manifest = runs["compile"].artifact("manifest.json")
    [test] = [n for n in manifest["nodes"].values() if n["name"].startswith("race_shaped_forecasts_apply_pred")]
    model = manifest["nodes"][test["depends_on"]["nodes"][0]]
    sql = test["compiled_code"].replace(model["relation_name"], "forecasts")
    assert sql != test["compiled_code"]
    table = race_forecasts_table()
    with duckdb.connect() as con:
        con.register("frame", table)
        con.execute("create table forecasts as select * from frame")
        on_duckdb = sorted({row[0] for row in con.sql(sql).fetchall()})
    with fakesnow.patch():
        from snowflake.connector.pandas_tools import write_pandas  # fakesnow's, inside its patch

        con = snowflake.connector.connect(database="analytics", schema="dbt_ci")
        write_pandas(con, table.rename(columns=str.upper), "FORECASTS", auto_create_table=True)
        on_fakesnow = sorted({row[0] for row in con.cursor().execute(sql).fetchall()})
    assert on_duckdb == on_fakesnow == [2, 3]
