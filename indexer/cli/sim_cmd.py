"""`flywheel simulate`: drive a deployment through N epochs on a local chain."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from indexer.chain import accounts
from indexer.cli.common import announce, open_session
from indexer.cli.output import console, info, is_terminal
from indexer.errors import FlywheelError
from indexer.settle.store import SettlementStore, default_dir
from indexer.sim import scenario as scenarios
from indexer.sim.run import EpochRecord, Simulation


def _share(r: EpochRecord, decimals: int) -> Decimal | None:
    revenue = Decimal(r.revenue) / 10**decimals
    total = revenue + r.subsidy_usd()
    return revenue / total if total else None


def story(records: list[EpochRecord], decimals: int) -> Table:
    crossover = next((r.epoch for r in records if (_share(r, decimals) or 0) >= Decimal("0.5")), None)
    title = f"crossover: revenue first covers subsidy in epoch {crossover}" if crossover is not None else "no crossover yet"
    table = Table(title=f"Simulated network — {title}")
    for name in ("epoch", "contributors", "nodes", "customers", "payments", "wash", "price USD", "subsidy USD", "revenue USD", "real-yield share"):
        table.add_column(name, justify="right")
    shown = [r for r in records if (r.epoch - records[0].epoch) % 4 == 0 or r is records[-1]]
    for r in shown:
        share = _share(r, decimals)
        table.add_row(
            str(r.epoch), str(r.contributors), str(r.nodes), str(r.customers), str(r.payments), str(r.wash_payments),
            f"{Decimal(r.price) / 10**8:.4f}", f"{r.subsidy_usd():,.0f}", f"{Decimal(r.revenue) / 10**decimals:,.0f}",
            "" if share is None else f"{share:.1%}",
        )
    return table


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
    session = open_session(rpc_url, deployment)
    d = session.d
    if d.manifest.chain_id != accounts.LOCAL_CHAIN_ID:
        raise FlywheelError(f"simulate drives a local anvil (chain 31337), not chain {d.manifest.chain_id}")
    if not d.manifest.payment_token_is_mock:
        raise FlywheelError("simulate needs the MockUSD payment token of a local deployment")
    announce(session.url, d.manifest.chain_id)
    sim = Simulation(d, SettlementStore(store_dir or default_dir(deployment)), scenario, seed)
    started = time.monotonic()
    if is_terminal():
        columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("epochs", total=epochs)
            records = sim.run(epochs, lambda r: bar.advance(task))
    else:
        records = sim.run(epochs, lambda r: info(f"simulate: epoch {r.epoch} closed ({r.contributors} contributors, {r.payments} payments)"))
    elapsed = time.monotonic() - started
    console.print(story(records, d.manifest.payment_decimals))
    console.print(f"simulated {epochs} epochs in {elapsed:.1f} s")
    return sim
