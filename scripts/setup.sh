#!/usr/bin/env bash
# Installs everything Flywheel needs into the repository itself: a virtualenv
# with the pinned Python packages (.venv) and the pinned Node tools
# (node_modules: anvil and the reference Merkle tree library).
# Safe to run again: each step is skipped while its inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }

py_stamp=$(stamp requirements.lock pyproject.toml)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.flywheel-stamp 2>/dev/null)" != "$py_stamp" ]; then
    echo "setup: installing Python packages into .venv"
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$py_stamp" > .venv/.flywheel-stamp
fi

node_stamp=$(stamp package.json package-lock.json)
if [ ! -d node_modules ] || [ "$(cat node_modules/.flywheel-stamp 2>/dev/null)" != "$node_stamp" ]; then
    echo "setup: installing Node tools into node_modules"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$node_stamp" > node_modules/.flywheel-stamp
fi

.venv/bin/flywheel chain which >/dev/null
