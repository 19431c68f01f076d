"""`flywheel deploy`: deploy the contracts and write the manifest."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from indexer.chain import anvil, deploy as deploying, manifest as manifests, params as parameters
from indexer.chain.manifest import Manifest
from indexer.chain.node import connect
from indexer.cli.output import console, info
from indexer.errors import FlywheelError


def summary(m: Manifest) -> Table:
    table = Table(title=f"Flywheel deployment on chain {m.chain_id} (block {m.deploy_block})")
    table.add_column("contract")
    table.add_column("address")
    for key, address in m.contracts.items():
        table.add_row(key, address)
    p = m.parameters
    table.add_section()
    table.add_row("epoch length", f"{p['epoch_length']} s")
    table.add_row("initial emission", f"{p['initial_emission'] / 10**18:,.0f} tokens per epoch")
    table.add_row("decay", f"{p['decay_bps'] / 100:g}% every {p['decay_period']} epochs")
    table.add_row("max supply", f"{p['max_supply'] // 10**18:,} tokens")
    table.add_row("protocol fee", f"{p['fee_bps'] / 100:g}%")
    return table


def run_deploy(rpc_url: str | None, params_file: Path | None, out: Path, force: bool) -> Manifest:
    params = parameters.load(params_file)
    if out.exists() and not force:
        raise FlywheelError(f"{out} already exists: pass --force to overwrite it")
    url = rpc_url or anvil.default_rpc_url()
    w3, chain_id = connect(url)
    m = deploying.deploy(w3, chain_id, params, progress=lambda step: info(f"deploy: {step}"))
    manifests.save(m, out, force=force)
    return m


def deploy(
    rpc_url: str = typer.Option(None, "--rpc-url", envvar="FLYWHEEL_RPC_URL", help="JSON-RPC URL; default: the chain `flywheel chain up` started."),
    params_file: Path = typer.Option(None, "--params", help="TOML file of parameters overriding the defaults."),
    out: Path = typer.Option(..., "--out", help="Where to write the deployment manifest (JSON)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file."),
) -> None:
    """Deploy the Flywheel contracts, wire their roles, and write the manifest."""
    m = run_deploy(rpc_url, params_file, out, force)
    console.print(summary(m))
    console.print(f"manifest written to {out}")
