"""`flywheel demo`: the whole pipeline on embedded defaults (`indexer.app.demo`), and what to try next."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer

from indexer.app.demo import MARKER, run_demo
from indexer.chain import anvil
from indexer.cli import views
from indexer.cli.output import console, info
from indexer.reports.columns import summary_value
from indexer.reports.model import display
from indexer.reports.render import emit, print_suspects


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
    print_suspects(run.demand, console)
    s = run.demand.summary
    console.print(f"Suspect share of payments: {display('suspect_share_of_payments', s['suspect_share_of_payments'])}; "
                  f"latest real-yield share {display('latest_share', s['latest_share'])}, "
                  f"{display('latest_share_excl_suspect', s['latest_share_excl_suspect'])} without suspect revenue.")
    earned, overhang, nodes = run.contributors.summary, run.real_yield.summary, run.supply.summary
    console.print(f"Ledger: earned Gini {summary_value('gini_earned', earned['gini_earned'])} "
                  f"(claimed {summary_value('gini', earned['gini'])}); overhang "
                  f"{summary_value('overhang_usd', overhang['overhang_usd'])}, "
                  f"{summary_value('overhang_share_of_supply', overhang['overhang_share_of_supply'])} of circulating supply; "
                  f"median node lifetime (Kaplan-Meier) {_lifetime(nodes)}.")
    url = run.database_url
    flywheel = _program()
    last = nodes["last_epoch"]
    bundle = out_dir / f"bundle-{last}"
    console.print(f"""
Files: {run.manifest_path}, {run.database}, {run.png}, {run.html}
Try next:
  {flywheel} report real-yield --database-url {url} --interval day
  {flywheel} report demand --database-url {url}
  {flywheel} report contributors --database-url {url} --top 10
  {flywheel} report payback --database-url {url} --hardware-cost 2500 --opex-per-epoch 1
  {flywheel} report supply --database-url {url} --hardware-cost 2500
  {flywheel} report liabilities --database-url {url}
  {flywheel} epoch publish --deployment {run.manifest_path} --epoch {last} --out {bundle}
  {flywheel} epoch verify --deployment {run.manifest_path} --epoch {last} --work {bundle / "work.csv"}
  {flywheel} serve --database-url {url}
  {flywheel} chain down --port {port}""")


def _lifetime(supply: dict) -> str:
    """The median in epochs, or how long the nodes have lasted so far when fewer than half have retired."""
    median = supply["median_node_lifetime_epochs"]
    if median is not None:
        return f"{median} epochs"
    return f"over {supply['last_epoch']} epochs (fewer than half the nodes have retired)"


def _program() -> str:
    """How to type this command again: `flywheel` where it is on PATH, else the path it was started by
    (`.venv/bin/flywheel` after `scripts/demo.sh`, whose virtualenv is not activated)."""
    started = Path(sys.argv[0])
    on_path = shutil.which("flywheel")
    if started.name != "flywheel" or (on_path and Path(on_path).resolve() == started.resolve()):
        return "flywheel"
    try:
        return str(started.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(started)
