#!/usr/bin/env bash
# Sets everything up and runs `flywheel demo` on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/flywheel demo "$@"
