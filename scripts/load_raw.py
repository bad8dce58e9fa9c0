"""Load the raw Formula 1 CSV files into DuckDB (schema raw by default).

    python scripts/load_raw.py [--source DIR_OR_URL] [--database FILE] [--schema raw]

--source: a directory of NAME.csv / NAME.csv.gz files (default: the project's data/formula1) or an http(s)
base URL serving NAME.csv, e.g. https://formula1-dbt-cloud-python-demo.s3.amazonaws.com/formula1-kaggle-data/
--database: default $F1_DUCKDB_PATH (relative to the project root, where dbt runs) else formula1.duckdb there.
Rejected rows do not fail the load (as COPY INTO ... ON_ERROR=CONTINUE): they are counted in the summary and
kept in raw.load_rejects. Exits 1 with a message when the load cannot be done (missing file or column...).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from f1_raw.load import LoadError, load_raw

ROOT = Path(__file__).resolve().parent.parent


def default_database() -> Path:
    return ROOT / os.environ.get("F1_DUCKDB_PATH", "formula1.duckdb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the raw Formula 1 CSV files into DuckDB.")
    parser.add_argument("--source", default=str(ROOT / "data" / "formula1"), help="directory or http(s) URL")
    parser.add_argument("--database", default=str(default_database()), help="DuckDB file to load into")
    parser.add_argument("--schema", default="raw", help="schema to (re)create the raw tables in")
    args = parser.parse_args(argv)
    print(f"loading {args.source} -> {args.database} (schema {args.schema})")
    try:
        report = load_raw(args.source, args.database, args.schema)
    except LoadError as exc:
        print(f"load_raw: error: {exc}", file=sys.stderr)
        return 1
    print()
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
