"""Load the raw Formula 1 CSV files into DuckDB (schema raw by default).

    f1-load-raw [--source DIR_OR_URL] [--database FILE] [--schema raw] [--encoding ENCODING] [--brief]

--source: a directory of NAME.csv / NAME.csv.gz files (default: $F1_RAW_SOURCE, relative to the project root,
else the project's data/formula1) or an http(s) base URL serving NAME.csv, e.g.
https://formula1-dbt-cloud-python-demo.s3.amazonaws.com/formula1-kaggle-data/
--database: default $F1_DUCKDB_PATH (relative to the project root, where dbt runs) else formula1.duckdb there.
--encoding: the encoding of files that are not valid UTF-8, e.g. cp1252 or latin-1 (default: $F1_RAW_ENCODING
else utf-8, and then such a file stops the load with a message). UTF-8 files are always read as UTF-8.
Rejected rows do not fail the load (as COPY INTO ... ON_ERROR=CONTINUE): they are counted in the summary and
kept in raw.load_rejects. Rows that end before optional columns load with those columns null ("padded").
Prints a line per table as it loads (not with --brief, as scripts/run does), the totals, and what changed since
the previous load (rows added, changed and deleted per table, and the races they touch: raw.load_changes,
raw.load_changed_races).
Exits 1 with a message when the load cannot be done (missing file or column, undecodable file, full disk...).
dbt runs the same load by itself when the raw tables are absent; this command is how to reload them.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

from f1ml.raw.autoload import default_encoding, default_source
from f1ml.raw.load import REJECTS_TABLE, LoadError, describe_changes, load_raw
from f1ml.settings import RAW_SCHEMA, default_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the raw Formula 1 CSV files into DuckDB.")
    parser.add_argument("--source", default=default_source(), help="directory or http(s) URL")
    parser.add_argument("--database", default=str(default_database()), help="DuckDB file to load into")
    parser.add_argument("--schema", default=RAW_SCHEMA, help="schema to (re)create the raw tables in")
    parser.add_argument(
        "--encoding", default=default_encoding(), help="encoding of the files that are not UTF-8, e.g. cp1252"
    )
    parser.add_argument("--brief", action="store_true", help="no line per table: the totals and changes only")
    args = parser.parse_args(argv)
    print(f"loading {args.source} -> {args.database} (schema {args.schema})", flush=True)
    try:
        report = load_raw(args.source, args.database, args.schema, None if args.brief else print, args.encoding)
    except LoadError as exc:
        print(f"load_raw: error: {exc}", file=sys.stderr)
        return 1
    print(report.total_line())
    if report.rows_rejected:
        print(f"rejected rows, with line and reason: select * from {args.schema}.{REJECTS_TABLE}")
    for warning in report.warnings:
        print(f"WARNING: {warning}")
    with duckdb.connect(args.database, read_only=True) as con:
        print("\n".join(describe_changes(con, args.schema)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
