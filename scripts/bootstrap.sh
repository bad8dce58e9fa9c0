#!/usr/bin/env bash
# Create .venv and install exactly what uv.lock pins (the project's tools included, editable), once. Safe to
# run again: it reinstalls only when pyproject.toml or uv.lock changed since the last install. Sourced by
# scripts/run, scripts/test and the other entry points; also fine to source in an interactive shell (it sets
# no shell options; failures return non-zero). Update the pins with `uv lock --upgrade`, then commit uv.lock.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.installed-from"
want="$(cat "$root/pyproject.toml" "$root/uv.lock" | sha256sum | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  if ! command -v python3.11 >/dev/null 2>&1; then
    echo "bootstrap: python3.11 not found: the project needs Python 3.11 exactly (pyproject.toml)" >&2
    return 1
  fi
  echo "bootstrap: creating $venv (Python 3.11)"
  python3.11 -m venv "$venv" || return 1
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  bootstrap_started=$SECONDS
  echo "bootstrap: installing the packages of uv.lock into .venv (about 40 s and 1.2 GB on a fresh clone; again only" \
    "when pyproject.toml or uv.lock change)"
  # The uv the lock pins; it then installs the lock, which keeps it.
  uv_version="$(sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;}' "$root/uv.lock")"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==${uv_version:?uv is not in uv.lock}" || return 1
  # --locked: fail if uv.lock does not match pyproject.toml, rather than resolve anew. Bytecode compiled at install:
  # PYTHONDONTWRITEBYTECODE may be set, and dbt starts seconds slower without it.
  (cd "$root" && UV_PROJECT_ENVIRONMENT="$venv" "$venv/bin/uv" sync --quiet --locked --extra dev --compile-bytecode) \
    || return 1
  echo "$want" > "$stamp"
  echo "bootstrap: installed in $((SECONDS - bootstrap_started)) s"
fi
export PATH="$venv/bin:$PATH"
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$root}"
