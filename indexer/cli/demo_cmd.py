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
    url = run.database_url
    flywheel = _program()
    console.print(f"""
Files: {run.manifest_path}, {run.database}, {run.png}, {run.html}
Try next:
  {flywheel} report real-yield --database-url {url} --interval day
  {flywheel} report demand --database-url {url}
  {flywheel} report contributors --database-url {url} --top 10
  {flywheel} report payback --database-url {url} --hardware-cost 2500 --opex-per-epoch 1
  {flywheel} serve --database-url {url}
  {flywheel} chain down --port {port}""")


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
