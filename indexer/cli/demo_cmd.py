"""`flywheel demo`: the whole pipeline on embedded defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from indexer.chain import anvil
from indexer.chain.manifest import load
from indexer.cli.deploy_cmd import run_deploy, summary
from indexer.cli.output import console, info
from indexer.cli.sim_cmd import run_simulation
from indexer.db import engine as engines, migrate
from indexer.ingest.client import NodeClient
from indexer.ingest.config import IndexerConfig
from indexer.ingest.daemon import Indexer
from indexer.reports import build
from indexer.reports.render import emit
from indexer.reports.source import info_of
from indexer.sim.scenario import Scenario


def demo(
    port: int = typer.Option(anvil.DEFAULT_PORT, "--port", help="Port of the local chain to use or start."),
    out_dir: Path = typer.Option(Path("flywheel-demo"), "--out-dir", help="Where the demo writes its files."),
    epochs: int = typer.Option(52, "--epochs", min=1, help="Epochs to simulate."),
    seed: int = typer.Option(1, "--seed", help="Simulation seed."),
) -> None:
    """Start a local chain, deploy, simulate a network's life, index it into SQLite, and report."""
    chain = anvil.recorded(port)
    if chain is None:
        chain = anvil.start(port)
        info(f"demo: started a local chain at {chain.url}")
    else:
        info(f"demo: using the local chain at {chain.url}")
    out_dir.mkdir(parents=True, exist_ok=True)
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
