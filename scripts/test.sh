#!/usr/bin/env bash
# Sets everything up, makes sure PostgreSQL is running, and runs the test suite.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k merkle`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export FLYWHEEL_TEST_DATABASE_URL=${FLYWHEEL_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "test: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# One worker per core (FLYWHEEL_TEST_WORKERS overrides; 0 runs in this process): most tests wait on anvil,
# PostgreSQL or a subprocess, and each test has its own chain, database and folders.
exec .venv/bin/python -m pytest -n "${FLYWHEEL_TEST_WORKERS:-auto}" "$@"
