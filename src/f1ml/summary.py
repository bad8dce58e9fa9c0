"""Print what the last run did, as plain text: the raw load (rows, rejects, what changed since the previous load),
the dbt nodes by status (every failure with its message), the model against the baselines (hold-out season and
backtest) and its promotion status, where to look next.

    f1-summary [--database FILE] [--run-results FILE]

Reads raw.load_audit and raw.load_changes (written by the loader), run_results.json (written by dbt; in
$DBT_TARGET_PATH or target/) and the ML tables (f1ml.model_report renders them, as Markdown, which is turned into
plain text here).
"""

import argparse
import json
import os
import re
import textwrap
from collections import Counter
from pathlib import Path

import duckdb

from f1ml import PROJECT_DIR, default_database, model_report
from f1ml.raw.database_file import UnusableDatabaseFile, check_database_file
from f1ml.raw.load import describe_changes, plural
from f1ml.settings import RAW_SCHEMA

WIDTH = 110  # of wrapped paragraphs; tables are as wide as their columns
PASSED = ("success", "pass", "no-op")
NODE_KINDS = {"test": "data test", "unit_test": "unit test", "operation": "hook"}  # else the resource type


def raw_load_lines(con) -> list[str]:
    """The load's totals, the tables with padded or rejected rows, warnings, and what changed."""
    rows = con.sql(
        "select table_name, rows_loaded, rows_padded, rows_rejected, warnings, loaded_at "
        f"from {RAW_SCHEMA}.load_audit order by table_name"
    ).fetchall()
    loaded, padded, rejected = (sum(row[i] for row in rows) for i in (1, 2, 3))
    loaded_at = max(row[5] for row in rows)
    lines = [
        f"  {loaded:,} rows in {len(rows)} tables, {padded:,} padded, {rejected:,} rejected "
        f"(loaded {loaded_at:%Y-%m-%d %H:%M} UTC)"
    ]
    lines += [
        f"  {table}: {n_padded:,} padded, {n_rejected:,} rejected"
        for table, _, n_padded, n_rejected, *_ in rows
        if n_padded or n_rejected
    ]
    if rejected:
        lines.append(f"  rejected rows, with line and reason: select * from {RAW_SCHEMA}.load_rejects")
    lines += [f"  WARNING: {table}: {warnings}" for table, _, _, _, warnings, _ in rows if warnings]
    return lines + [f"  {line}" for line in describe_changes(con)]


def dbt_result_lines(run_results: Path) -> list[str]:
    """One line of counts, then every node that did not pass, with its message."""
    document = json.loads(run_results.read_text())
    results = document["results"]
    outcomes = Counter("passed" if r["status"] in ("success", "pass") else r["status"] for r in results)
    kinds = Counter(r["unique_id"].split(".")[0] for r in results)
    lines = [
        f"  {len(results)} nodes in {document['elapsed_time']:.1f} s: "
        + ", ".join(f"{n} {outcome}" for outcome, n in outcomes.most_common())
        + f" ({', '.join(plural(n, NODE_KINDS.get(kind, kind)) for kind, n in kinds.most_common())})"
    ]
    for r in results:
        if r["status"] not in PASSED:
            message = " ".join((r.get("message") or "").split())
            lines.append(f"  {r['status'].upper()} {r['unique_id']}: {message}")
    return lines


def version_lines(con, run_results: Path) -> list[str]:
    """Which version serves, whether this run trained one (or found its inputs unchanged), the next race's calls."""
    [serving] = con.sql(
        "select model_version, promotion_reason, store_metadata_check from main.ml_model_registry where is_serving"
    ).fetchall()
    lines = [f"  Serving {serving[0]} ({serving[1]})."]
    if serving[2] not in (None, "ok"):
        lines.append(f"  WARNING: {serving[2]}")
    results = json.loads(run_results.read_text())["results"]
    training = [r for r in results if r["unique_id"].endswith(".train_model_to_predict_position")]
    training = [r for r in training if r["status"] == "success"]
    if training:
        started = next(t["started_at"] for t in training[0]["timing"] if t["name"] == "execute")
        [(newest, trained_at)] = con.sql(
            "select model_version, trained_at from main.train_model_to_predict_position order by model_version desc "
            "limit 1"
        ).fetchall()
        if trained_at[:19] < started[:19]:
            lines.append(f"  This run trained no new version: its inputs are those of {newest} (same training rows, "
                         "artifact and gate).")  # fmt: skip
        else:
            lines.append(f"  This run registered {newest}.")
    upcoming = con.sql(
        "select race_name, race_date, count(*), string_agg(case when predicted_position_label = 1 then driver_ref end,"
        " ', ' order by prob_podium desc) from main.apply_prediction_to_position where race_status = 'upcoming' "
        "group by 1, 2 order by 2"
    ).fetchall()
    for name, date, entrants, podium in upcoming:
        lines.append(f"  Next race: {name} ({date:%Y-%m-%d}), {entrants} entrants; podium calls: {podium}.")
    return lines


def model_lines(con, run_results: Path) -> str:
    try:
        return "\n".join(version_lines(con, run_results)) + "\n" + plain_text(model_report.readme_section(con))
    except (duckdb.Error, IndexError, KeyError) as exc:  # e.g. a build that stopped before the model
        reason = str(exc).splitlines()[0]
        return f"  not available ({reason}); the retrain job (f1-run-job retrain) builds these tables"


# --- Markdown to plain text (f1ml.model_report writes Markdown for the README) --------------------------------


def plain_text(markdown: str) -> str:
    """Markdown tables as aligned columns, paragraphs and list items wrapped, without `**` or `#`."""
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", markdown) if block.strip()]
    return "\n".join(_plain_block(block) for block in blocks)


def _plain_block(block: str) -> str:
    lines = block.splitlines()
    if all(line.lstrip().startswith("|") for line in lines):
        return _plain_table(lines)
    out = []
    for line in lines:
        text = line.replace("**", "").lstrip("#").strip()
        bullet = text.startswith("- ")
        out.append(textwrap.fill(text, WIDTH, subsequent_indent="  " if bullet else ""))
    return "\n".join(out)


def _cells(line: str) -> list[str]:
    return [cell.strip().replace("**", "") for cell in line.strip().strip("|").split("|")]


def _plain_table(lines: list[str]) -> str:
    """Columns as wide as their values, headers wrapped on at most two lines; numbers right-aligned, as the
    Markdown's `---:` asks."""
    header, alignments, *body = [_cells(line) for line in lines]
    right = [alignment.endswith(":") for alignment in alignments]
    widths = []
    for i, title in enumerate(header):
        width = max([len(word) for word in title.split()] + [len(row[i]) for row in body])
        while len(textwrap.wrap(title, width)) > 2:
            width += 1
        widths.append(width)
    titles = [textwrap.wrap(title, width) or [""] for title, width in zip(header, widths, strict=True)]
    header_rows = [[(t[-2] if len(t) == 2 else "") for t in titles], [t[-1] for t in titles]]

    def row(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if is_right else cell.ljust(width)
            for cell, width, is_right in zip(cells, widths, right, strict=True)
        ).rstrip()

    rows = [row(cells) for cells in header_rows if any(cells)]
    return "\n".join(rows + [row(cells) for cells in body])


def main(argv: list[str] | None = None) -> None:
    target = Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(default_database()))
    parser.add_argument("--run-results", default=str(target / "run_results.json"))
    args = parser.parse_args(argv)

    try:
        check_database_file(args.database)
    except UnusableDatabaseFile as exc:
        raise SystemExit(f"summary: {exc}") from exc
    with duckdb.connect(args.database, read_only=True) as con:
        print(f"Raw data (schema {RAW_SCHEMA})")
        print("\n".join(raw_load_lines(con)))
        print("\ndbt (the last build: models, tests, seeds)")
        print("\n".join(dbt_result_lines(Path(args.run_results))))
        print("\nThe model against the baselines (main.ml_hold_out_evaluation, ml_backtest, ml_model_registry)")
        print(model_lines(con, Path(args.run_results)))
    print(f"Database: {args.database}")
    print('Try: scripts/query "select * from main.agg_lap_times_moving_avg order by race_year desc limit 10"')


if __name__ == "__main__":
    main()
