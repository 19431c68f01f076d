"""`flywheel simulate`: drive a deployment through N epochs on a local chain."""

from __future__ import annotations

from pathlib import Path

import typer

from indexer.app import simulate as simulating
from indexer.cli import views
from indexer.cli.output import info
from indexer.sim import scenario as scenarios
from indexer.sim.run import Simulation


def simulate(
    rpc_url: str = typer.Option(None, "--rpc-url", envvar="FLYWHEEL_RPC_URL", help="JSON-RPC URL of a local anvil; default: the chain `flywheel chain up` started."),
    deployment: Path = typer.Option(..., "--deployment", help="The deployment manifest (JSON)."),
    epochs: int = typer.Option(52, "--epochs", min=1, help="How many epochs to simulate."),
    seed: int = typer.Option(1, "--seed", help="Seed of every random choice; the same seed on a fresh chain gives the same events."),
    scenario_file: Path = typer.Option(None, "--scenario", help="TOML file of scenario knobs overriding the defaults."),
    store_dir: Path = typer.Option(None, "--store", help="Settlement store directory; default: MANIFEST.settlement beside the manifest."),
) -> None:
    """Drive the deployed system through a DePIN network's life, on a local chain."""
    run_simulation(rpc_url, deployment, epochs, seed, scenarios.load(scenario_file), store_dir)


def run_simulation(rpc_url: str | None, deployment: Path, epochs: int, seed: int, scenario: scenarios.Scenario,
                   store_dir: Path | None) -> Simulation:
    """Simulate as the command does, printing its progress and story; returns the simulation."""
    run = simulating.simulate(rpc_url, deployment, epochs, seed, scenario, store_dir, log=info, progress=views.epoch_progress)
    views.simulated(run, epochs)
    return run.sim
