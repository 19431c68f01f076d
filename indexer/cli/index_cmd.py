"""`flywheel index run|status` and `flywheel db upgrade`."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select

from indexer.app import index as indexing
from indexer.chain import anvil, manifest as manifests
from indexer.chain.node import probe_chain_id, require_deployment
from indexer.chain.rpc import redact
from indexer.cli.common import SchemaOption
from indexer.cli.output import console, err_console, is_terminal
from indexer.db import engine as engines, migrate
from indexer.db.schema import EVENT_TABLES, checkpoint, deployment
from indexer.errors import FlywheelError
from indexer.ingest import config as configs
from indexer.chain.rpc import NodeClient
from indexer.ingest.metrics import Metrics, serve
from indexer.ingest.progress import BackfillProgress
from indexer.ingest.store import Stream

app = typer.Typer(help="Index a deployment's events into SQL.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def _logger(tty: bool) -> Callable[[str], None]:
    """Log lines on stderr: as they are on a terminal, with a UTC timestamp for log collectors otherwise."""
    if tty:
        return lambda message: err_console.print(message, markup=False, highlight=False)
    return lambda message: print(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {message}", file=sys.stderr, flush=True)


@app.command("run")
def run(
    rpc_url: str = typer.Option(None, "--rpc-url", help="JSON-RPC URL (or FLYWHEEL_RPC_URL; default: the chain `flywheel chain up` started)."),
    deployment: Path = typer.Option(None, "--deployment", help="The deployment manifest (JSON)."),
    database_url: str = typer.Option(None, "--database-url", help="SQLAlchemy URL (or FLYWHEEL_DATABASE_URL); default sqlite:///flywheel.db."),
    schema: str = SchemaOption,
    once: bool = typer.Option(False, "--once", help="Index up to the head (less confirmations) and exit."),
    config_file: Path = typer.Option(None, "--config", help="TOML file of settings."),
    confirmations: int = typer.Option(None, "--confirmations", help="Blocks to stay behind the head (default 0 on a local chain, 12 elsewhere)."),
    poll_interval: float = typer.Option(None, "--poll-interval", help="Seconds between polls at the head."),
    batch_blocks: int = typer.Option(None, "--batch-blocks", help="First eth_getLogs range in blocks (it adapts)."),
    max_batch_blocks: int = typer.Option(None, "--max-batch-blocks", help="Largest eth_getLogs range in blocks."),
    target_logs: int = typer.Option(None, "--target-logs", help="Logs per eth_getLogs the range size aims at (default 5000)."),
    reorg_window: int = typer.Option(None, "--reorg-window", help="Recent headers kept to find a fork point."),
    metrics_port: int = typer.Option(None, "--metrics-port", help="Serve Prometheus /metrics, /health and /ready on this port."),
    metrics_host: str = typer.Option(None, "--metrics-host", help="Address the metrics server listens on (default 127.0.0.1)."),
    store: Path = typer.Option(None, "--store", help="Settlement store directory: keep the ledger tables from it too."),
) -> None:
    """Backfill a deployment's events, then follow the head (or stop there with --once)."""
    flags = {"rpc_url": rpc_url, "database_url": database_url, "schema": schema, "deployment": str(deployment) if deployment else None,
             "confirmations": confirmations, "poll_interval": poll_interval, "batch_blocks": batch_blocks,
             "max_batch_blocks": max_batch_blocks, "target_logs": target_logs, "reorg_window": reorg_window, "metrics_port": metrics_port,
             "metrics_host": metrics_host, "store": str(store) if store else None}
    cfg = configs.load(config_file, dict(os.environ), flags)
    stop, metrics = threading.Event(), Metrics()
    m, client = _connect(cfg, stop, metrics)
    server = serve(metrics, cfg.metrics_port, cfg.metrics_host) if cfg.metrics_port else None
    try:
        number = _index(cfg, m, client, metrics, stop, once)
    finally:
        if server is not None:
            server.shutdown()
    stopped = " (stopped on request)" if stop.is_set() else ""
    console.print(f"indexed {m.contracts['reward_distributor']} on chain {m.chain_id} to block {number}{stopped}")


def _connect(cfg: configs.IndexerConfig, stop: threading.Event, metrics: Metrics) -> tuple[manifests.Manifest, NodeClient]:
    """The manifest and a client of a node that serves its chain and has code at every address."""
    if cfg.deployment is None:
        raise FlywheelError("no deployment given: pass --deployment MANIFEST (or set deployment in --config)")
    m = manifests.load(Path(cfg.deployment))
    url = cfg.rpc_url or anvil.default_rpc_url(m.chain_id)
    chain_id = probe_chain_id(url)
    if chain_id != m.chain_id:
        raise FlywheelError(f"chain id mismatch: the node at {redact(url)} is chain {chain_id}, the deployment is on chain {m.chain_id}")
    client = NodeClient(url, timeout=cfg.rpc_timeout, retries=cfg.rpc_retries, stop=stop,
                        on_error=lambda kind: metrics.rpc_errors.labels(kind).inc())
    require_deployment(client, m)
    return m, client


def _index(cfg: configs.IndexerConfig, m: manifests.Manifest, client: NodeClient, metrics: Metrics, stop: threading.Event,
           once: bool) -> int:
    """Run the daemon under the writer lock; returns the block it stopped at."""
    engine = engines.make_engine(cfg.database_url, schema=cfg.schema)
    try:
        engines.check(engine)
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Only a flag: the loop stops after the transaction it is in commits.
            signal.signal(sig, lambda *_: stop.set())
        tty = is_terminal()
        log = _logger(tty)
        return indexing.run(cfg, m, client, engine, once=once, log=log, metrics=metrics, stop=stop,
                            progress=BackfillProgress(log, tty))
    finally:
        engine.dispose()


def _deployments(conn) -> dict[tuple[int, str], tuple[str, ...]]:
    """(chain id, distributor) -> the addresses whose rows belong to that deployment."""
    out = {}
    for row in conn.execute(select(deployment)):
        out[(row.chain_id, row.distributor)] = Stream.of(manifests.from_json(json.loads(row.manifest))).contracts
    return out


@app.command("status")
def status(database_url: str = typer.Option(None, "--database-url", envvar="FLYWHEEL_DATABASE_URL", help="SQLAlchemy URL of the database."),
           schema: str = SchemaOption,
           rpc_url: str = typer.Option(None, "--rpc-url", envvar="FLYWHEEL_RPC_URL", help="Ask this node for the live head.")) -> None:
    """Head, indexed block, lag and rows per table of every deployment in the database."""
    engine = _engine(database_url, schema, must_exist=True)
    engines.check(engine)
    live_head = int(NodeClient(rpc_url, retries=1).call("eth_blockNumber"), 16) if rpc_url else None
    try:
        with engine.connect() as conn:
            revision = migrate.current(conn)
            if revision is None:
                raise FlywheelError("the database has no indexer state: run `flywheel index run` first")
            migrate.require_known(revision)
            streams = conn.execute(select(checkpoint)).all()
            owners = _deployments(conn)
            counts = {key: _counts(conn, key[0], contracts) for key, contracts in owners.items()}
    finally:
        engine.dispose()
    head_label = "head" if live_head is not None else "head (at last commit)"
    table = Table(title="indexer status")
    for column in ("chain", "deployment", head_label, "indexed block", "lag"):
        table.add_column(column, justify="left" if column == "deployment" else "right")
    for row in streams:
        head = live_head if live_head is not None else row.head_block
        table.add_row(str(row.chain_id), row.distributor, str(head), str(row.block_number), str(max(0, head - row.block_number)))
    console.print(table)
    rows = Table(title="rows per table")
    rows.add_column("table")
    for chain_id, distributor in counts:
        rows.add_column(f"{distributor[:10]}… ({chain_id})" if len(counts) > 1 else "rows", justify="right")
    for name in EVENT_TABLES:
        rows.add_row(name, *(str(c[name]) for c in counts.values()))
    console.print(rows)


def _counts(conn, chain_id: int, contracts: tuple[str, ...]) -> dict[str, int]:
    return {name: conn.execute(select(func.count()).select_from(t).where(t.c.chain_id == chain_id, t.c.contract.in_(contracts))).scalar()
            for name, t in EVENT_TABLES.items()}


@db_app.command("upgrade")
def upgrade(database_url: str = typer.Option(None, "--database-url", envvar="FLYWHEEL_DATABASE_URL", help="SQLAlchemy URL."),
            schema: str = SchemaOption) -> None:
    """Apply the schema migrations: all of them or, on any refusal or failure, none."""
    engine = _engine(database_url, schema)
    try:
        engines.check(engine)
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    schema = engines.schema_of(engine)
    where = f", PostgreSQL schema {schema}," if schema else ""
    console.print(f"database at {engines.safe(engine.url)}{where} is at schema {migrate.head()}")


def _engine(database_url: str | None, schema: str | None, must_exist: bool = False):
    """The database of a maintenance command, found as `index run` finds it (flag, then environment, then default)."""
    cfg = configs.load(None, dict(os.environ), {"database_url": database_url, "schema": schema})
    return engines.make_engine(cfg.database_url, must_exist=must_exist, schema=cfg.schema)
