"""`flywheel demo`: the whole pipeline on embedded defaults."""

from __future__ import annotations

from pathlib import Path

import typer

from indexer.chain import anvil
from indexer.cli.deploy_cmd import run_deploy, summary
from indexer.cli.output import console, info


def demo(
    port: int = typer.Option(8545, "--port", help="Port of the local chain to use or start."),
    out_dir: Path = typer.Option(Path("flywheel-demo"), "--out-dir", help="Where the demo writes its files."),
) -> None:
    """Start a local chain (or reuse the one running), deploy, and summarize the deployment."""
    chain = anvil.recorded(port)
    if chain is None:
        chain = anvil.start(port)
        info(f"demo: started a local chain at {chain.url}")
    else:
        info(f"demo: using the local chain at {chain.url}")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "deployment.json"
    m = run_deploy(chain.url, None, manifest_path, force=True)
    console.print(summary(m))
    console.print(f"\nmanifest: {manifest_path}")
    console.print(f"stop the chain with: flywheel chain down --port {port}")
