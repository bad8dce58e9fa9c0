"""Write a k-times scaled copy of the Formula 1 data (plain NAME.csv files), for benchmarks.

    f1-generate-scaled-data --scale K [--seed 42] [--source DIR] [--out DIR]

--scale: k, the factor applied to results, lap_times, pit_stops, qualifying, standings, constructor_results
and sprint_results (races and drivers are replicated with them; circuits, constructors, seasons and status
are copied). --source: a directory of NAME.csv / NAME.csv.gz (default: the project's data/formula1).
--out: default benchmarks/work/data/k<K>-seed<SEED>. The same seed gives byte-identical files. Load the result
with `f1-load-raw --source OUT`. Design: f1ml/dev/scaled_data.py. Exits 1 with a message
when the source is unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from f1ml import PROJECT_DIR
from f1ml.dev.scaled_data import GenerateError, generate_scaled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a k-times scaled copy of the Formula 1 data.")
    parser.add_argument("-k", "--scale", type=int, required=True, help="scale factor k (a positive integer)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the perturbations (default 42)")
    parser.add_argument("--source", default=str(PROJECT_DIR / "data" / "formula1"), help="directory of the source CSVs")
    parser.add_argument("--out", help="output directory (default benchmarks/work/data/k<K>-seed<SEED>)")
    args = parser.parse_args(argv)
    out = (
        Path(args.out) if args.out else PROJECT_DIR / "benchmarks" / "work" / "data" / f"k{args.scale}-seed{args.seed}"
    )
    print(f"generating k={args.scale} seed={args.seed}: {args.source} -> {out}")
    try:
        report = generate_scaled(args.source, out, args.scale, args.seed, progress=print)
    except GenerateError as exc:
        print(f"generate_scaled_data: error: {exc}", file=sys.stderr)
        return 1
    print()
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
