"""Run one SQL query against the project's DuckDB file, read-only, and print the result (scripts/query):

    python -m f1ml.query "select * from main.ml_hold_out_evaluation" [--database FILE] [--max-rows 50]

A SQL error prints DuckDB's message (what failed, and its suggestion), without a Python traceback, and exits 1.
"""

import argparse
import sys
from pathlib import Path

import duckdb

from f1ml import default_database
from f1ml.raw.database_file import UnusableDatabaseFile, check_database_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sql", help="one SQL statement")
    parser.add_argument("--database", default=str(default_database()), help="default: $F1_DUCKDB_PATH, formula1.duckdb")
    parser.add_argument("--max-rows", type=int, default=50, help="rows shown (default 50)")
    args = parser.parse_args(argv)
    if not Path(args.database).exists():
        print(f"query: no database at {args.database}: build it first with scripts/run", file=sys.stderr)
        return 1
    try:
        check_database_file(args.database)
        with duckdb.connect(args.database, read_only=True) as con:
            relation = con.sql(args.sql)
            if relation is not None:  # None: a statement that returns no rows
                relation.show(max_rows=args.max_rows)
    except (duckdb.Error, UnusableDatabaseFile) as exc:
        print(f"query: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
