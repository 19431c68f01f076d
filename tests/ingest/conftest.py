"""A deployment with a few epochs of simulated network activity, for the indexer to read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.cli.sim_cmd import run_simulation
from indexer.sim.run import Simulation
from indexer.sim.scenario import Scenario
from tests.conftest import Deployed

SMALL = Scenario(contributors=60, initial_contributors=8, adoption_midpoint=3, customers=20, demand_midpoint=4,
                 claim_every=2, wash_self_dealers=1, wash_funded=1)


@dataclass
class Busy:
    deployed: Deployed
    manifest_path: Path
    sim: Simulation

    @property
    def url(self) -> str:
        return self.deployed.url


def simulate(deployed: Deployed, path: Path, epochs: int, seed: int = 3) -> Simulation:
    return run_simulation(deployed.url, path, epochs, seed, SMALL, None)


@pytest.fixture
def busy(deployed: Deployed, tmp_path: Path) -> Busy:
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(deployed.manifest.to_json()))
    return Busy(deployed, path, simulate(deployed, path, 10))
