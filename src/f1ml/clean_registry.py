"""List, and with --delete remove, incomplete model versions of a local model store (DuckDB runs).

A version is incomplete when its folder has no metadata.json: the training run that claimed it died before
finishing (or is still running). Incomplete versions are never served and never block a new registration;
this only tidies the store. Versions younger than --min-age-minutes are left alone, so a training that is
writing right now is not touched.

    f1-clean-registry [--registry model_registry] [--min-age-minutes 60] [--delete]

On Snowflake, ml_model_registry lists them (status `incomplete`); remove one with
`remove @<database>.<schema>.ml_model_stage/driver_position/v0002/;` (docs/snowflake.md).
"""

import argparse
import shutil
import time
from pathlib import Path

from f1ml.ml.spec import METADATA_FILE
from f1ml.ml.store import directory_store, list_versions
from f1ml.settings import default_model_registry


def incomplete_versions(store, min_age_seconds: float, now: float) -> list[Path]:
    """The versions of the store without metadata.json, claimed at least `min_age_seconds` ago."""
    folders = []
    for version, files in sorted(list_versions(store).items()):
        folder = Path(store.location) / version
        if METADATA_FILE not in files and now - folder.stat().st_mtime >= min_age_seconds:
            folders.append(folder)
    return folders


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", default=str(default_model_registry()), help="var model_registry_dir")
    parser.add_argument("--min-age-minutes", type=float, default=60)
    parser.add_argument("--delete", action="store_true", help="remove them (default: only list)")
    args = parser.parse_args(argv)
    store = directory_store(args.registry)
    folders = incomplete_versions(store, args.min_age_minutes * 60, time.time())
    for folder in folders:
        print(f"{'removing' if args.delete else 'incomplete'}: {folder}")
        if args.delete:
            shutil.rmtree(folder)
    if not folders:
        print(f"no incomplete version older than {args.min_age_minutes:g} minutes in {store.location}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
