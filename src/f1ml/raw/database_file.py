"""The DuckDB file itself: refuse one that a failed creation left behind, and create a new one safely.

Opening a new database on a full disk leaves a 0-byte file, or one cut inside its headers; DuckDB then refuses
it on every later open ("not a valid DuckDB database file"), and the loader, dbt and the tools fail without
saying why. The loader, the dbt plugin and the tools that open the file check it first, and create a new file
through create_database_file, which removes what a failed creation leaves.
"""

from __future__ import annotations

import errno
from pathlib import Path

import duckdb

# A DuckDB file starts with three 4 KiB headers; the main one holds the magic bytes "DUCK" at offset 8.
HEADERS_BYTES = 3 * 4096
MAGIC, MAGIC_OFFSET = b"DUCK", 8
IN_MEMORY = (":memory:", "")


class UnusableDatabaseFile(Exception):
    """The database file cannot be opened or created; the message says why and what to do."""


def is_disk_full(exc: BaseException) -> bool:
    """True for a write that failed because the disk is full (Python's OSError or DuckDB's IO Error)."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "No space left on device" in str(exc)


def why_unusable(path: str | Path) -> str | None:
    """Why the file at `path` cannot be a DuckDB database, or None when it is absent or looks like one."""
    path = Path(path)
    if not path.is_file():
        return None
    size = path.stat().st_size
    if size == 0:
        return "it is empty (0 bytes)"
    with path.open("rb") as handle:
        start = handle.read(MAGIC_OFFSET + len(MAGIC))
    if start[MAGIC_OFFSET:] != MAGIC:
        return f"it does not start like a DuckDB database ({size:,} bytes)"
    if size < HEADERS_BYTES:
        return f"it ends inside its headers ({size:,} bytes; a DuckDB file has at least {HEADERS_BYTES:,})"
    return None


def check_database_file(path: str | Path) -> None:
    """Raise UnusableDatabaseFile, saying to delete it, when `path` holds a file DuckDB cannot open."""
    if str(path) in IN_MEMORY:
        return
    why = why_unusable(path)
    if why:
        raise UnusableDatabaseFile(
            f"{path} is not a usable DuckDB database file: {why}. A database whose creation failed (for example "
            f"on a full disk) leaves such a file, and nothing in it can be read. Delete it (rm {path}) and run "
            "again: the next load or dbt build creates it anew."
        )


def create_database_file(path: str | Path) -> None:
    """Create an empty DuckDB database at `path` when there is none. On failure nothing is left behind, and a
    full disk is named as the cause."""
    path = Path(path)
    if str(path) in IN_MEMORY or path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except (duckdb.Error, OSError) as exc:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if is_disk_full(exc):
            advice = "The disk is full: free some space on it, or choose another file with F1_DUCKDB_PATH"
        else:
            advice = "Check that its directory exists and can be written"
        raise UnusableDatabaseFile(
            f"cannot create the database {path}: {exc}. {advice}, then run again (nothing was left behind)."
        ) from exc
