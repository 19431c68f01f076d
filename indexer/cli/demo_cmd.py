"""`flywheel demo`: the whole pipeline on embedded defaults.

Each run replaces the files of the one before, so the demo only ever writes into a folder
that is its own: one it created, an empty one it adopted, or one holding its marker file.
Anything else is refused before a chain is started or a file touched; `--out-dir .` in a
project with its own flywheel.db must never delete it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from indexer.chain import anvil
from indexer.chain.manifest import load
from indexer.chain.rpc import NodeClient
from indexer.cli.deploy_cmd import run_deploy, summary
from indexer.cli.output import console, info
from indexer.cli.sim_cmd import run_simulation
from indexer.db import engine as engines, migrate
from indexer.errors import FlywheelError
from indexer.ingest.config import IndexerConfig
from indexer.ingest.daemon import Indexer
from indexer.reports import build
from indexer.reports.render import emit
from indexer.reports.source import info_of
from indexer.sim.scenario import Scenario

MARKER = ".flywheel-demo"


def check_folder(folder: Path) -> None:
    """Refuse a folder the demo may not write into: one that is neither absent, empty, nor marked as the demo's."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise FlywheelError(f"--out-dir {folder} is a file, not a folder")
    if (folder / MARKER).is_file() or not any(folder.iterdir()):
        return
    raise FlywheelError(f"--out-dir {folder} is not empty and has no {MARKER} marker file: the demo replaces "
                        "the files of its folder, so it writes only into a new, empty or earlier demo folder")


def claim_folder(folder: Path) -> None:
    """Make `folder` the demo's own: checked, created if need be, and marked."""
    check_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if not marker.is_file():
        marker.write_text("Made by `flywheel demo`, which deletes and rewrites the files in this folder.\n")


def demo(
    port: int = typer.Option(anvil.DEFAULT_PORT, "--port", min=1, max=65535, help="Port of the local chain to use or start."),
    out_dir: Path = typer.Option(Path("flywheel-demo"), "--out-dir",
                                 help=f"Where the demo writes its files: a new or empty folder, or one holding its {MARKER} marker."),
    epochs: int = typer.Option(52, "--epochs", min=1, help="Epochs to simulate."),
    seed: int = typer.Option(1, "--seed", help="Simulation seed."),
) -> None:
    """Start a local chain, deploy, simulate a network's life, index it into SQLite, and report."""
    claim_folder(out_dir)
    chain = anvil.recorded(port)
    if chain is None:
        chain = anvil.start(port)
        info(f"demo: started a local chain at {chain.url}")
    else:
        info(f"demo: using the local chain at {chain.url}")
    manifest_path = out_dir / "deployment.json"
    database = out_dir / "flywheel.db"
    # Each run is a fresh deployment: the files of an earlier run describe other contracts.
    shutil.rmtree(out_dir / "deployment.settlement", ignore_errors=True)
    for stale in out_dir.glob("flywheel.db*"):
        stale.unlink()

    info("demo: deploying the contracts")
    m = run_deploy(chain.url, None, manifest_path, force=True)
    console.print(summary(m))
    info(f"demo: simulating {epochs} epochs")
    run_simulation(chain.url, manifest_path, epochs, seed, Scenario(), None)

    info("demo: indexing every event into SQLite")
    url = f"sqlite:///{database}"
    engine = engines.make_engine(url)
    migrate.upgrade(engine)
    Indexer(IndexerConfig(), load(manifest_path), engine, NodeClient(chain.url), log=info).run(once=True)

    with engine.connect() as conn:
        d = info_of(m)
        real_yield = build.real_yield(conn, d, "epoch")
        demand = build.demand(conn, d, "epoch")
    engine.dispose()
    emit(real_yield, "table", None, console)
    png, html = out_dir / "real-yield.png", out_dir / "real-yield.html"
    emit(real_yield, "png", png, console)
    emit(real_yield, "html", html, console)
    console.print("\nSuspect (self-dealing) payers the demand screen found:")
    for row in demand.extra["suspect_accounts"]:
        console.print(f"  {row['account']}  {row['suspect_paid_usd']} USD  ({row['evidence']})")
    s = demand.summary
    console.print(f"Share of payments that is suspect: {s['suspect_share_of_payments']:.1%}; "
                  f"latest share {s['latest_share']:.1%}, {s['latest_share_excl_suspect']:.1%} without it.")
    console.print(f"""
Files: {manifest_path}, {database}, {png}, {html}
Try next:
  flywheel report real-yield --database-url {url} --interval day
  flywheel report demand --database-url {url}
  flywheel report contributors --database-url {url} --top 10
  flywheel report payback --database-url {url} --hardware-cost 2500 --opex-per-epoch 1
  flywheel serve --database-url {url}
  flywheel chain down --port {port}""")
