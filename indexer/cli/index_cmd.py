"""`flywheel index run|status` and `flywheel db upgrade`."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select

from indexer.chain import anvil, manifest as manifests
from indexer.chain.node import probe_chain_id
from indexer.cli.output import console, info
from indexer.db import engine as engines, migrate
from indexer.db.schema import EVENT_TABLES, checkpoint
from indexer.errors import FlywheelError
from indexer.ingest import config as configs
from indexer.ingest.client import NodeClient
from indexer.ingest.daemon import Indexer
from indexer.ingest.lock import WriterLock
from indexer.ingest.metrics import Metrics, serve

app = typer.Typer(help="Index a deployment's events into SQL.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def _check_contracts(client: NodeClient, m: manifests.Manifest) -> None:
    codes = client.batch([("eth_getCode", [address, "latest"]) for address in m.contracts.values()])
    for (name, address), code in zip(m.contracts.items(), codes):
        if code in (None, "0x", ""):
            raise FlywheelError(f"no contract code at {name} address {address} on this chain")


@app.command("run")
def run(
    rpc_url: str = typer.Option(None, "--rpc-url", help="JSON-RPC URL (or FLYWHEEL_RPC_URL; default: the chain `flywheel chain up` started)."),
    deployment: Path = typer.Option(None, "--deployment", help="The deployment manifest (JSON)."),
    database_url: str = typer.Option(None, "--database-url", help="SQLAlchemy URL (or FLYWHEEL_DATABASE_URL); default sqlite:///flywheel.db."),
    once: bool = typer.Option(False, "--once", help="Index up to the head (less confirmations) and exit."),
    config_file: Path = typer.Option(None, "--config", help="TOML file of settings."),
    confirmations: int = typer.Option(None, "--confirmations", help="Blocks to stay behind the head (default 0 on a local chain, 12 elsewhere)."),
    poll_interval: float = typer.Option(None, "--poll-interval", help="Seconds between polls at the head."),
    batch_blocks: int = typer.Option(None, "--batch-blocks", help="First eth_getLogs range in blocks (it adapts)."),
    max_batch_blocks: int = typer.Option(None, "--max-batch-blocks", help="Largest eth_getLogs range in blocks."),
    reorg_window: int = typer.Option(None, "--reorg-window", help="Recent headers kept to find a fork point."),
    metrics_port: int = typer.Option(None, "--metrics-port", help="Serve Prometheus metrics, /health and /ready on 127.0.0.1:PORT."),
) -> None:
    """Backfill a deployment's events, then follow the head (or stop there with --once)."""
    flags = {"rpc_url": rpc_url, "database_url": database_url, "deployment": str(deployment) if deployment else None,
             "confirmations": confirmations, "poll_interval": poll_interval, "batch_blocks": batch_blocks,
             "max_batch_blocks": max_batch_blocks, "reorg_window": reorg_window, "metrics_port": metrics_port}
    cfg = configs.load(config_file, dict(os.environ), flags)
    if cfg.deployment is None:
        raise FlywheelError("no deployment given: pass --deployment MANIFEST (or set deployment in --config)")
    m = manifests.load(Path(cfg.deployment))
    url = cfg.rpc_url or anvil.default_rpc_url()
    chain_id = probe_chain_id(url)
    if chain_id != m.chain_id:
        raise FlywheelError(f"chain id mismatch: the node is chain {chain_id}, the deployment is on chain {m.chain_id}")
    metrics = Metrics()
    client = NodeClient(url, timeout=cfg.rpc_timeout, retries=cfg.rpc_retries, on_error=lambda kind: metrics.rpc_errors.labels(kind).inc())
    _check_contracts(client, m)
    engine = engines.make_engine(cfg.database_url)
    engines.check(engine)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server = serve(metrics, cfg.metrics_port) if cfg.metrics_port else None
    try:
        with WriterLock(engine, _stream(m)):
            migrate.upgrade(engine)
            indexer = Indexer(cfg, m, engine, client, log=info, metrics=metrics, stop=stop)
            number, _ = indexer.run(once=once)
        console.print(f"indexed {m.contracts['reward_distributor']} on chain {m.chain_id} to block {number}")
    finally:
        if server is not None:
            server.shutdown()
        engine.dispose()


def _stream(m: manifests.Manifest):
    from indexer.ingest.store import Stream

    return Stream.of(m)


@app.command("status")
def status(database_url: str = typer.Option(None, "--database-url", envvar="FLYWHEEL_DATABASE_URL", help="SQLAlchemy URL of the database."),
           rpc_url: str = typer.Option(None, "--rpc-url", envvar="FLYWHEEL_RPC_URL", help="Ask this node for the live head.")) -> None:
    """Head, indexed block, lag and rows per table of every deployment in the database."""
    engine = engines.make_engine(database_url or configs.IndexerConfig().database_url, must_exist=True)
    engines.check(engine)
    live_head = int(NodeClient(rpc_url, retries=1).call("eth_blockNumber"), 16) if rpc_url else None
    with engine.connect() as conn:
        try:
            streams = conn.execute(select(checkpoint)).all()
        except Exception:
            raise FlywheelError("the database has no indexer state: run `flywheel index run` first") from None
        table = Table(title="indexer status")
        for column in ("chain", "deployment", "head", "indexed block", "lag"):
            table.add_column(column, justify="right" if column != "deployment" else "left")
        for row in streams:
            head = live_head if live_head is not None else row.head_block
            table.add_row(str(row.chain_id), row.distributor, str(head), str(row.block_number), str(max(0, head - row.block_number)))
        counts = Table(title="rows per table")
        counts.add_column("table")
        counts.add_column("rows", justify="right")
        for name, t in EVENT_TABLES.items():
            counts.add_row(name, str(conn.execute(select(func.count()).select_from(t)).scalar()))
    console.print(table)
    console.print(counts)
    engine.dispose()


@db_app.command("upgrade")
def upgrade(database_url: str = typer.Option(None, "--database-url", envvar="FLYWHEEL_DATABASE_URL", help="SQLAlchemy URL.")) -> None:
    """Apply the schema migrations."""
    engine = engines.make_engine(database_url or configs.IndexerConfig().database_url)
    engines.check(engine)
    migrate.upgrade(engine)
    console.print(f"database at {engine.url.render_as_string(hide_password=True)} is at schema {migrate.head()}")
    engine.dispose()
