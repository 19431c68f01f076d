"""Where Flywheel finds its sources and keeps its state."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = REPO_ROOT / "contracts"
NODE_MODULES = REPO_ROOT / "node_modules"


def state_home() -> Path:
    """Per-user state (chain pid files, build cache); `FLYWHEEL_HOME` overrides it."""
    home = Path(os.environ.get("FLYWHEEL_HOME") or Path.home() / ".flywheel")
    home.mkdir(parents=True, exist_ok=True)
    return home
