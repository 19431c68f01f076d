"""Index a deployment's events into a database: to the head and stop, or following the head."""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy.engine import Engine

from indexer.app import Log, quiet
from indexer.chain.manifest import Manifest
from indexer.chain.rpc import NodeClient
from indexer.db import engine as engines, migrate
from indexer.ingest.config import IndexerConfig
from indexer.ingest import ledger
from indexer.ingest.daemon import Indexer
from indexer.ingest.lock import WriterLock
from indexer.ingest.metrics import Metrics
from indexer.ingest.progress import BackfillProgress
from indexer.ingest.store import Stream
from indexer.settle.store import SettlementStore


def run(cfg: IndexerConfig, manifest: Manifest, client: NodeClient, engine: Engine, *, once: bool, log: Log = quiet,
        metrics: Metrics | None = None, stop: threading.Event | None = None, progress: BackfillProgress | None = None,
        writer_lock: bool = True) -> int:
    """Bring the schema up to date and index: to the head less the confirmations (`once`), or on until `stop` is set.
    Returns the block it stopped at. Under `writer_lock` a second writer of the same deployment is refused."""
    with WriterLock(engine, Stream.of(manifest)) if writer_lock else nullcontext() as lock:
        migrate.upgrade(engine)
        fence = lock.fence if lock else None
        keep = None
        if cfg.store is not None:
            store = SettlementStore(Path(cfg.store))
            keep = lambda: ledger.sync(engine, Stream.of(manifest), store, fence, log, strict=False)  # noqa: E731
        indexer = Indexer(cfg, manifest, engine, client, log=log, metrics=metrics, stop=stop, progress=progress,
                          fence=fence, ledger=keep)
        return indexer.run(once=once)[0]


def import_ledger(engine: Engine, manifest: Manifest, store: SettlementStore, log: Log = quiet) -> ledger.ImportResult:
    """Bring the schema up to date and the ledger tables in line with the indexed finalizations."""
    migrate.upgrade(engine)
    return ledger.sync(engine, Stream.of(manifest), store, log=log)


def index_once(rpc_url: str, manifest: Manifest, database_url: str, log: Log = quiet, store: Path | None = None) -> int:
    """Index every event up to the head into a database no other indexer writes (the demo's own, just made):
    so without the writer lock, whose file would be one more in the caller's folder. With `store`, the ledger
    tables are kept from that settlement store."""
    engine = engines.make_engine(database_url)
    cfg = IndexerConfig(store=None if store is None else str(store))
    try:
        return run(cfg, manifest, NodeClient(rpc_url), engine, once=True, log=log, writer_lock=False)
    finally:
        engine.dispose()
