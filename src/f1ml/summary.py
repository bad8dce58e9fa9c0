"""Print what the last run did: raw rows loaded and rejected, dbt nodes by status, the model against the
baselines (hold-out season and backtest) and its promotion status, where to look next.

Reads raw.load_audit (written by the loader), target/run_results.json (written by dbt) and the ML tables
(f1ml.model_report renders them).
"""

import argparse
import json
from collections import Counter
from pathlib import Path

import duckdb

from f1ml import PROJECT_DIR, default_database
from f1ml.model_report import backtest_table, hold_out_summary, targets


def raw_load_lines(con) -> list[str]:
    rows = con.sql(
        "select table_name, rows_loaded, rows_padded, rows_rejected, warnings from raw.load_audit order by table_name"
    ).fetchall()
    lines = [
        f"  {table:<24} {loaded:>10,} loaded {padded:>6,} padded {rejected:>6,} rejected"
        for table, loaded, padded, rejected, _ in rows
    ]
    totals = [sum(row[i] for row in rows) for i in (1, 2, 3)]
    lines.append(f"  {'total':<24} {totals[0]:>10,} loaded {totals[1]:>6,} padded {totals[2]:>6,} rejected")
    if totals[2]:
        lines.append("  rejected rows, with line and reason: select * from raw.load_rejects")
    lines += [f"  WARNING: {table}: {warnings}" for table, *_, warnings in rows if warnings]
    return lines


def dbt_result_lines(run_results: Path) -> list[str]:
    results = json.loads(run_results.read_text())["results"]
    counts = Counter((r["unique_id"].split(".")[0], r["status"]) for r in results)
    lines = [f"  {kind:<10} {status:<8} {n:>5}" for (kind, status), n in sorted(counts.items())]
    elapsed = json.loads(run_results.read_text())["elapsed_time"]
    lines.append(f"  dbt elapsed {elapsed:.1f} s")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=str(default_database()))
    parser.add_argument("--run-results", default=str(PROJECT_DIR / "target" / "run_results.json"))
    args = parser.parse_args()

    with duckdb.connect(args.database, read_only=True) as con:
        print("\nRaw data (schema raw)")
        print("\n".join(raw_load_lines(con)))
        print("\ndbt build (models, tests, seeds)")
        print("\n".join(dbt_result_lines(Path(args.run_results))))
        print(
            "\nThe model against the baselines (main.ml_hold_out_evaluation, main.ml_backtest, main.ml_model_registry)"
        )
        print(hold_out_summary(con))
        print(backtest_table(con))
        print(targets(con))
    print(f"Database: {args.database}")
    print('Try: scripts/query "select * from main.agg_lap_times_moving_avg order by race_year desc limit 10"')


if __name__ == "__main__":
    main()
