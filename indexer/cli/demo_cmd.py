"""`flywheel demo`: the whole pipeline on embedded defaults (`indexer.app.demo`), and what to try next."""

from __future__ import annotations

from pathlib import Path

import typer

from indexer.app.demo import MARKER, run_demo
from indexer.chain import anvil
from indexer.cli import views
from indexer.cli.output import console, info
from indexer.reports.render import emit


def demo(
    port: int = typer.Option(anvil.DEFAULT_PORT, "--port", min=1, max=65535, help="Port of the local chain to use or start."),
    out_dir: Path = typer.Option(Path("flywheel-demo"), "--out-dir",
                                 help=f"Where the demo writes its files: a new or empty folder, or one holding its {MARKER} marker."),
    epochs: int = typer.Option(52, "--epochs", min=1, help="Epochs to simulate."),
    seed: int = typer.Option(1, "--seed", help="Simulation seed."),
) -> None:
    """Start a local chain, deploy, simulate a network's life, index it into SQLite, and report."""
    run = run_demo(port, out_dir, epochs, seed, log=info, progress=views.epoch_progress,
                   deployed=lambda m: console.print(views.summary(m)), simulated=lambda sim: views.simulated(sim, epochs))
    emit(run.real_yield, "table", None, console)
    console.print("\nSuspect (self-dealing) payers the demand screen found:")
    for row in run.demand.extra["suspect_accounts"]:
        console.print(f"  {row['account']}  {row['suspect_paid_usd']} USD  ({row['evidence']})")
    s = run.demand.summary
    console.print(f"Share of payments that is suspect: {s['suspect_share_of_payments']:.1%}; "
                  f"latest share {s['latest_share']:.1%}, {s['latest_share_excl_suspect']:.1%} without it.")
    url = run.database_url
    console.print(f"""
Files: {run.manifest_path}, {run.database}, {run.png}, {run.html}
Try next:
  flywheel report real-yield --database-url {url} --interval day
  flywheel report demand --database-url {url}
  flywheel report contributors --database-url {url} --top 10
  flywheel report payback --database-url {url} --hardware-cost 2500 --opex-per-epoch 1
  flywheel serve --database-url {url}
  flywheel chain down --port {port}""")
