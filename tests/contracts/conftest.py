"""Deployments shared within a module. boa's pytest plugin snapshots the chain around every
fixture and test (and every hypothesis example), so each test starts from a fresh deployment."""

from __future__ import annotations

import boa
import pytest

from tests.contracts.system import Params, System, deploy

ROOT_DELAY = 600


@pytest.fixture(scope="module")
def system() -> System:
    """The production wiring with roots in effect at once (root_delay 0)."""
    return deploy()


@pytest.fixture(scope="module")
def delayed() -> System:
    """The production wiring with a revocation window before each root takes effect."""
    return deploy(Params(root_delay=ROOT_DELAY))


@pytest.fixture(scope="module")
def people() -> dict[str, str]:
    """Accounts that hold no role anywhere."""
    return {name: boa.env.generate_address(name) for name in ("alice", "bob", "carol", "dave", "mallory")}
