"""What more than one command shows: a deployment's table, a simulation's story and its progress.

`deploy` and `demo` both show the deployment, `simulate` and `demo` both the simulation; they
share these rather than import each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from indexer.app.simulate import OnEpoch, Simulated
from indexer.chain.manifest import Manifest
from indexer.cli.output import console, info, is_terminal
from indexer.sim.run import EpochRecord


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


@contextmanager
def epoch_progress(epochs: int) -> Iterator[OnEpoch]:
    """A bar on a terminal, else a line on stderr per closed epoch."""
    if is_terminal():
        columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("epochs", total=epochs)
            yield lambda r: bar.advance(task)
    else:
        yield lambda r: info(f"simulate: epoch {r.epoch} closed ({r.contributors} contributors, {r.payments} payments)")


def simulated(run: Simulated, epochs: int) -> None:
    console.print(story(run.records, run.payment_decimals))
    console.print(f"simulated {epochs} epochs in {run.seconds:.1f} s")
