"""The artifact store: one folder per version, `driver_position/v0001/{model.joblib, metadata.json}`.

A local directory on DuckDB (var model_registry_dir), a stage on Snowflake (var model_stage), through
Snowpark's public file API only. A version is claimed before anything is written, the artifact is written,
and metadata.json last completes the version:
- in a directory, the claim is an exclusive mkdir (atomic) and files are written under a temporary name,
  then renamed, so a reader sees a whole file or none;
- a stage has no atomic create: the claim is a marker uploaded without overwrite and read back to be this
  run's; the ledger's unique test catches the rare double claim.
Each operation is a function, so a model carries only the ones it calls (prediction only reads).
"""

import io
import re
import secrets
from pathlib import Path
from typing import NamedTuple

from f1ml.ml.spec import MODEL_NAME

VERSION_PATTERN = re.compile(r"^v\d{4,}$")


class Store(NamedTuple):
    kind: str  # "directory" or "stage"
    location: str  # the model's folder, or `@database.schema.stage/driver_position`
    session: object = None  # the Snowpark session of a stage


def version_name(number: int) -> str:
    return f"v{number:04d}"


def version_number(version: str) -> int:
    return int(version[1:])


def directory_store(root) -> Store:
    return Store("directory", str(Path(root) / MODEL_NAME))


def artifact_store(dbt, session, settings: dict) -> Store:
    """The store of this target: a stage in the model's schema on Snowflake, else the directory."""
    if settings["engine"] == "snowflake":
        stage = f"@{dbt.this.database}.{dbt.this.schema}.{settings['model_stage']}"
        return Store("stage", f"{stage}/{MODEL_NAME}", session)
    return directory_store(settings["model_registry_dir"])


def list_versions(store: Store) -> dict[str, set[str]]:
    """Every version and its files, in one listing; an absent store has none. Any other error fails."""
    if store.kind == "stage":
        try:
            listed = store.session.file.list(f"{store.location}/")
        except Exception as error:  # the stage exists (pre-hook); any failure here is real
            raise RuntimeError(f"Cannot list the model store {store.location}: {error}") from error
        versions = {}
        for entry in listed:
            match = re.search(MODEL_NAME + r"/(v\d{4,})/([^/]+)$", entry.name)
            if match:
                versions.setdefault(match.group(1), set()).add(match.group(2))
        return versions
    folder = Path(store.location)
    try:
        folders = [entry for entry in folder.iterdir() if VERSION_PATTERN.match(entry.name)]
        return {entry.name: {file.name for file in entry.iterdir()} for entry in folders}
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise RuntimeError(f"Cannot list the model store {store.location}: {error}") from error


def read_file(store: Store, version: str, name: str) -> bytes:
    if store.kind == "stage":
        with store.session.file.get_stream(f"{store.location}/{version}/{name}") as stream:
            return stream.read()
    return (Path(store.location) / version / name).read_bytes()


def claim_version(store: Store, version: str) -> bool:
    """True when this run now owns `version`; False when someone else claimed it first."""
    if store.kind == "stage":
        token = secrets.token_hex(16).encode()
        return put_on_stage(store, f"{version}/.claim", token) and read_file(store, version, ".claim") == token
    folder = Path(store.location)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        (folder / version).mkdir()
        return True
    except FileExistsError:
        return False


def write_file(store: Store, version: str, name: str, payload: bytes) -> None:
    """Write a file of a claimed version; never replaces one."""
    if store.kind == "stage":
        if not put_on_stage(store, f"{version}/{name}", payload):
            raise FileExistsError(f"{store.location}/{version}/{name} already exists: version {version} is taken")
        return
    target = Path(store.location) / version / name
    partial = target.with_name(f".{name}.partial")
    with open(partial, "xb") as file:
        file.write(payload)
    partial.rename(target)


def put_on_stage(store: Store, path: str, payload: bytes) -> bool:
    result = store.session.file.put_stream(
        io.BytesIO(payload), f"{store.location}/{path}", auto_compress=False, overwrite=False
    )
    return result.status == "UPLOADED"
