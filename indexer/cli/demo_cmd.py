"""`flywheel demo`: the whole pipeline on embedded defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from indexer.chain import anvil
from indexer.cli.deploy_cmd import run_deploy, summary
from indexer.cli.output import console, info
from indexer.cli.sim_cmd import run_simulation
from indexer.sim.scenario import Scenario


def demo(
    port: int = typer.Option(anvil.DEFAULT_PORT, "--port", help="Port of the local chain to use or start."),
    out_dir: Path = typer.Option(Path("flywheel-demo"), "--out-dir", help="Where the demo writes its files."),
    epochs: int = typer.Option(52, "--epochs", min=1, help="Epochs to simulate."),
    seed: int = typer.Option(1, "--seed", help="Simulation seed."),
) -> None:
    """Start a local chain (or reuse ours), deploy, and simulate a network's life."""
    chain = anvil.recorded(port)
    if chain is None:
        chain = anvil.start(port)
        info(f"demo: started a local chain at {chain.url}")
    else:
        info(f"demo: using the local chain at {chain.url}")
    manifest_path = out_dir / "deployment.json"
    # Each run is a fresh deployment: files of an earlier run describe other contracts.
    shutil.rmtree(out_dir / "deployment.settlement", ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    m = run_deploy(chain.url, None, manifest_path, force=True)
    console.print(summary(m))
    run_simulation(chain.url, manifest_path, epochs, seed, Scenario(), None)
    console.print(f"\nmanifest: {manifest_path}")
    console.print(f"stop the chain with: flywheel chain down --port {port}")
