"""Deployments for the indexer to read: one with a few epochs of simulated network activity, one idle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.app import simulate as simulating
from indexer.sim.run import Simulation
from indexer.sim.scenario import Scenario
from tests.conftest import Deployed

SMALL = Scenario(contributors=60, initial_contributors=8, adoption_midpoint=3, customers=20, demand_midpoint=4,
                 claim_every=2, wash_self_dealers=1, wash_funded=1)


@dataclass
class Busy:
    deployed: Deployed
    manifest_path: Path
    sim: Simulation | None

    @property
    def url(self) -> str:
        return self.deployed.url


def simulate(deployed: Deployed, path: Path, epochs: int, seed: int = 3) -> Simulation:
    return simulating.simulate(deployed.url, path, epochs, seed, SMALL).sim


def _manifest_file(deployed: Deployed, tmp_path: Path) -> Path:
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(deployed.manifest.to_json()))
    return path


@pytest.fixture
def busy(deployed: Deployed, tmp_path: Path) -> Busy:
    path = _manifest_file(deployed, tmp_path)
    return Busy(deployed, path, simulate(deployed, path, 10))


@pytest.fixture
def idle(deployed: Deployed, tmp_path: Path) -> Busy:
    """The deployment alone, for tests that make their own few events."""
    return Busy(deployed, _manifest_file(deployed, tmp_path), None)
