"""Where Flywheel finds its sources and keeps its state.

Run from a source checkout (or an editable install of one), the package reads the
checkout's own `contracts/`, so an edit is compiled at once. Installed from a wheel,
it reads the copy of `contracts/` the wheel carries inside the package
(`indexer/contracts/`, put there by the build hook in `setup.py`), and nothing is
looked up beside the installed package.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when it runs from an installed copy."""
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "contracts").is_dir():
        return root
    return None


# The checkout's root; None when installed. Only this module and the tests use it:
# everything that may run from an installed package goes through the names below.
REPO_ROOT: Path | None = _checkout_root()

# The Vyper sources: the checkout's contracts/, else the installed package's copy.
CONTRACTS_DIR: Path = REPO_ROOT / "contracts" if REPO_ROOT else Path(str(resources.files("indexer") / "contracts"))

# The pinned Node tools (anvil) `scripts/setup.sh` installs; a checkout only.
NODE_MODULES: Path | None = REPO_ROOT / "node_modules" if REPO_ROOT else None

# The committed gas snapshot, the default of `flywheel gas`; a checkout only.
GAS_SNAPSHOT: Path | None = REPO_ROOT / "gas-snapshot.json" if REPO_ROOT else None


def state_home() -> Path:
    """Per-user state (chain pid files, build cache); `FLYWHEEL_HOME` overrides it."""
    home = Path(os.environ.get("FLYWHEEL_HOME") or Path.home() / ".flywheel")
    home.mkdir(parents=True, exist_ok=True)
    return home
