#!/usr/bin/env bash
# Create .venv and install the pinned dependencies, once. Safe to run again: it reinstalls only when
# pyproject.toml changed since the last install. Sourced by scripts/run and scripts/test; also fine to
# source in an interactive shell (it sets no shell options; failures return non-zero).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.installed-from"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  echo "bootstrap: creating $venv (Python 3.11)"
  python3.11 -m venv "$venv" || return 1
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing dependencies from pyproject.toml"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.5" || return 1
  # Bytecode compiled at install: PYTHONDONTWRITEBYTECODE may be set, and dbt starts seconds slower without it.
  VIRTUAL_ENV="$venv" "$venv/bin/uv" pip install --quiet --compile-bytecode -r "$root/pyproject.toml" --extra dev || return 1
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$root}"
