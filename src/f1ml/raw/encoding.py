"""Text encodings of the source files: UTF-8 by default, another one only for the files that are not UTF-8.

DuckDB's CSV reader reads UTF-8 (latin-1 and utf-16 too, but other encodings such as cp1252 need an extension it
would download). So a file in another encoding is decoded here, streaming, into a UTF-8 copy that DuckDB reads.
The user's encoding applies only to files that are not valid UTF-8: a UTF-8 (or plain ASCII) file beside a
cp1252 one is still read as UTF-8, never garbled into mojibake.
"""

from __future__ import annotations

import codecs
import gzip
import shutil
from pathlib import Path
from typing import IO

UTF8 = "utf-8"
CHUNK_BYTES = 1 << 20


class EncodingProblem(ValueError):
    """The file cannot be decoded as asked; the message says where."""


def canonical(name: str) -> str:
    """Python's name for an encoding ('latin1' -> 'iso8859-1', 'UTF8' -> 'utf-8'); ValueError when unknown."""
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise ValueError(f"unknown encoding {name!r} (e.g. utf-8, cp1252, latin-1)") from exc


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def is_utf8(path: Path) -> bool:
    """True when the whole file decodes as UTF-8 (a leading byte-order mark is fine)."""
    decoder = codecs.getincrementaldecoder(UTF8)()
    try:
        with _open_bytes(path) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def utf8_copy(path: Path, encoding: str, target: Path) -> Path:
    """Decode `path` (plain or gzip) from `encoding` and write it to `target` as UTF-8; returns target."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with (
            opener(path, "rt", encoding=encoding, newline="") as source,
            target.open("w", encoding=UTF8, newline="") as out,
        ):
            shutil.copyfileobj(source, out, CHUNK_BYTES)
    except UnicodeDecodeError as exc:
        raise EncodingProblem(
            f"not valid {encoding} either: byte 0x{exc.object[exc.start : exc.start + 1].hex()} cannot be decoded "
            f"({exc.reason}); give the file's real encoding"
        ) from exc
    return target
