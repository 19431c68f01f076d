"""What more than one command shows: a deployment's table, a simulation's story and its progress.

`deploy` and `demo` both show the deployment, `simulate` and `demo` both the simulation; they
share these rather than import each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from indexer.app.simulate import OnEpoch, Simulated
from indexer.chain.manifest import Manifest
from indexer.cli.output import console, info, is_terminal
from indexer.reports.model import Report
from indexer.reports.numbers import price_usd, scaled, share
from indexer.reports.realyield import HALF
from indexer.reports.render import to_table
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


STORY_COLUMNS = ["epoch_start", "contributors", "active_nodes", "customers", "payments", "wash_payments", "price_usd",
                 "subsidy_usd", "revenue_usd", "real_yield_share"]
# The columns a narrow terminal keeps, most important first.
STORY_TABLE = ["epoch_start", "real_yield_share", "revenue_usd", "subsidy_usd", "active_nodes", "payments", "price_usd",
               "contributors", "customers", "wash_payments"]


def story(records: list[EpochRecord], decimals: int, width: int) -> Table:
    """Every fourth epoch of a simulation and its last, read like the real-yield report."""
    rows = []
    for r in records:
        revenue = scaled(r.revenue, decimals)
        rows.append({"epoch_start": r.epoch, "contributors": r.contributors, "active_nodes": r.nodes, "customers": r.customers,
                     "payments": r.payments, "wash_payments": r.wash_payments, "price_usd": price_usd(r.price),
                     "subsidy_usd": r.subsidy_usd(), "revenue_usd": revenue, "real_yield_share": share(revenue, r.subsidy_usd())})
    crossover = next((row["epoch_start"] for row in rows if (row["real_yield_share"] or 0) >= HALF), None)
    title = f"crossover: revenue first covers subsidy in epoch {crossover}" if crossover is not None else "no crossover yet"
    shown = [row for i, row in enumerate(rows) if i % 4 == 0 or i == len(rows) - 1]
    report = Report("simulation", f"Simulated network — {title}", "epoch", shown, {}, STORY_COLUMNS, table_columns=STORY_TABLE)
    return to_table(report, width)[0]


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
    console.print(story(run.records, run.payment_decimals, console.width))
    console.print(f"simulated {epochs} epochs in {run.seconds:.1f} s")
