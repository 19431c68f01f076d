"""The indexer loop: backfill to the head, then follow it, rolling back reorgs.

Each range is fetched and decoded in a worker thread while the previous one
is written; a range's rows, headers and checkpoint commit in one
transaction, so a crash at any moment resumes from the last commit with no
gap and no duplicate.

A reorg is noticed when the block at the checkpoint's height no longer has
the checkpoint's hash (asked on every poll) or when a new range's first block
does not descend from the checkpoint. Block hashes chain, so the checkpoint's
hash standing vouches for every block below it: this one question re-checks
the whole remembered window. On a fork, the stored window finds the newest
block the node still agrees with, and everything above it is rolled back in
one transaction before indexing resumes; a fork below the window stops the
daemon with an error rather than leave rows of a dead branch.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from indexer.chain.manifest import Manifest
from indexer.db.engine import reason as db_reason
from indexer.errors import FlywheelError
from indexer.ingest import decode as decoding
from indexer.ingest import store
from indexer.chain.rpc import Log, NodeClient, NodeError, RpcAnswerError, Stopped
from indexer.ingest.config import IndexerConfig
from indexer.ingest.blocks import Batch, Checkpoint
from indexer.ingest.fetch import Fetcher, Prefetch
from indexer.ingest.metrics import Metrics
from indexer.ingest.progress import BackfillProgress

SETTLEMENT_EVENTS = frozenset({"epoch_finalized", "root_revoked"})  # the tables the ledger is derived from
FOLLOW_GAP = 64  # a catch-up longer than this many blocks shows progress like a backfill
MAX_RETRY_WAIT = 60.0


class ReorgTooDeep(FlywheelError):
    """The chain forked below every header the indexer remembers."""


class Indexer:
    def __init__(self, config: IndexerConfig, manifest: Manifest, engine: Engine, client: NodeClient,
                 log: Callable[[str], None], metrics: Metrics | None = None, stop: threading.Event | None = None,
                 progress: BackfillProgress | None = None, fence: store.Fence | None = None,
                 ledger: Callable[[], None] | None = None) -> None:
        self.config = config
        self.manifest = manifest
        self.engine = engine
        self.client = client
        self.log = log
        self.metrics = metrics or Metrics()
        self.stop = stop or client.stop
        self.progress = progress or BackfillProgress(log)
        self.fence = fence or (lambda conn: None)
        self.stream = store.Stream.of(manifest)
        self.decoders = decoding.decoders(manifest, engine.dialect.name)
        self.confirmations = config.confirmations_for(manifest.chain_id)
        self.fetcher = Fetcher(client, decoding.addresses(manifest), decoding.topics_filter(), self._decode,
                               config.batch_blocks, config.max_batch_blocks, config.target_logs,
                               on_resize=self.metrics.range_size.set)
        self.metrics.range_size.set(config.batch_blocks)
        self._waiting = False  # already said that the node is behind
        self._lookups_missing: bool | None = None  # None: not looked at yet
        self.stored: Checkpoint | None = None  # the checkpoint row as this writer last read or wrote it
        # Brings the settlement ledger in line after a commit that finalized or revoked an epoch, and after a reorg.
        self.ledger = ledger or (lambda: None)

    def _decode(self, logs: list[Log], times: dict[str, int]) -> dict[str, list[tuple]]:
        return decoding.decode(logs, self.decoders, self.stream.chain_id, times)

    # --- state -------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        with self.engine.connect() as conn:
            self.stored = store.load_checkpoint(conn, self.stream)
        if self.stored is not None:
            return self.stored
        start = self.manifest.deploy_block - 1
        block_hash = self._hash_at(start)
        if block_hash is None:
            raise FlywheelError(f"the node has no block {start}: is it synced past the deployment?")
        return Checkpoint(start, block_hash)

    def _hash_at(self, number: int) -> str | None:
        block = self.client.call("eth_getBlockByNumber", hex(number), False)
        return None if block is None else block["hash"]

    # --- reorgs --------------------------------------------------------------------

    def _fork_point(self) -> Checkpoint:
        with self.engine.connect() as conn:
            remembered = store.window(conn, self.stream)
        current = self.fetcher.headers([n for n, _ in remembered]) if remembered else {}
        for number, block_hash in remembered:
            block = current[number]
            if block is not None and block["hash"] == block_hash:
                return Checkpoint(number, block_hash)
        raise ReorgTooDeep(
            f"reorg deeper than the {self.config.reorg_window}-block window on chain {self.stream.chain_id}: "
            "stopped without writing; re-index into a fresh database or raise reorg_window"
        )

    def _roll_back(self, head: int) -> Checkpoint:
        ancestor = self._fork_point()
        with store.transact(self.engine, self.fence) as conn:
            removed = store.rollback(conn, self.stream, self.stored, ancestor, head)
        self.stored = ancestor
        self.metrics.reorgs.inc()
        self.metrics.indexed_block.set(ancestor.number)
        self.log(f"reorg: rolled back to block {ancestor.number}, removed {removed} rows; re-indexing")
        self.ledger()
        return ancestor

    # --- lookup indexes ---------------------------------------------------------------

    def _defer_lookups(self) -> None:
        """At the start of a backfill into empty tables, drop the account indexes: building them once at the
        end costs a fraction of keeping them up row by row. Readers meanwhile scan instead."""
        with self.engine.connect() as conn:
            if self._lookups_missing is None:
                self._lookups_missing = store.lookups_missing(conn)
            if self._lookups_missing or not store.tables_empty(conn):
                return
        store.drop_lookups(self.engine, self.fence)
        self._lookups_missing = True
        self.log("backfill into empty tables: account indexes are built once it reaches the head")

    def _ensure_lookups(self) -> None:
        if self._lookups_missing is None:
            with self.engine.connect() as conn:
                self._lookups_missing = store.lookups_missing(conn)
        if self._lookups_missing:
            self.log("building the account indexes")
            store.build_lookups(self.engine, self.fence)
            self._lookups_missing = False

    # --- ranges ------------------------------------------------------------------------

    def _write(self, batch: Batch, head: int) -> int:
        with store.transact(self.engine, self.fence) as conn:
            cp = store.commit(conn, self.stream, self.stored, batch, head, self.config.reorg_window)
        self.stored = cp
        if SETTLEMENT_EVENTS & batch.rows.keys():
            self.ledger()
        count = 0
        for table, values in batch.rows.items():
            self.metrics.events.labels(table).inc(len(values))
            count += len(values)
        self.metrics.indexed_block.set(batch.end)
        return count

    def _catch_up(self, cp: Checkpoint, target: int, head: int) -> Checkpoint:
        """Index (cp, target]; returns the new checkpoint. Fetching the next range overlaps writing this one."""
        tracked = target - cp.number > FOLLOW_GAP or not self.metrics.ready.is_set()
        if tracked:
            self.progress.start(target - cp.number)
        settled_below = head - self.config.reorg_window + 1
        if cp.number + 1 < settled_below:
            self._defer_lookups()
        try:
            with Prefetch(self.fetcher, cp.number + 1, target, settled_below) as batches:
                for batch in batches:
                    if batch.headers[batch.start].parent_hash != cp.hash:
                        return self._roll_back(head)
                    events = self._write(batch, head)
                    cp = batch.last.checkpoint
                    self.metrics.lag.set(max(0, target - batch.end))
                    if tracked:
                        self.progress.advance(batch.end - batch.start + 1, events)
                    elif events:
                        self.log(f"block {batch.end}: {events} events")
                    if self.stop.is_set():
                        break
        except Stopped:
            pass
        finally:
            if tracked:
                self.progress.finish()
        return cp

    # --- the loop ------------------------------------------------------------------

    def _say_waiting(self, head: int, cp: Checkpoint) -> None:
        if not self._waiting:
            self.log(f"the node's head {head} has not reached our block {cp.number} yet: waiting for it")
        self._waiting = True

    def step(self, cp: Checkpoint) -> tuple[Checkpoint, bool]:
        """One poll; returns the checkpoint and whether the indexer is at the head."""
        head = int(self.client.call("eth_blockNumber"), 16)
        self.metrics.head_block.set(head)
        # A lagging or syncing node lacks our block: no fork is proven, so wait for it rather than roll back.
        ours = self._hash_at(cp.number) if head >= cp.number else None
        if ours is None:
            self._say_waiting(head, cp)
            return cp, True
        self._waiting = False
        if ours != cp.hash:
            return self._roll_back(head), False
        target = head - self.confirmations
        if target <= cp.number:
            self.metrics.lag.set(0)
            return cp, True
        return self._catch_up(cp, target, head), False

    def run(self, once: bool = False) -> Checkpoint:
        """Index until stopped (or, with `once`, until the head).

        Following, a failing node or database is waited out with a growing
        pause, and the checkpoint is read back from the database afterwards:
        ranges may have committed before the failure.
        """
        store.register(self.engine, self.stream, self.manifest)
        cp = self.checkpoint()
        self.metrics.indexed_block.set(cp.number)
        self.ledger()
        with _few_collections():
            return self._loop(cp, once)

    def _loop(self, cp: Checkpoint, once: bool) -> Checkpoint:
        failures = 0
        while not self.stop.is_set():
            try:
                if failures:
                    cp = self.checkpoint()
                cp, at_head = self.step(cp)
                if at_head:
                    self._ensure_lookups()
                failures = 0
                self.metrics.retry_wait.set(0)
            except Stopped:
                break
            except (NodeError, RpcAnswerError, OperationalError) as exc:
                reason = _reason(exc)
                if once:
                    raise FlywheelError(reason) from None
                failures += 1
                wait = min(MAX_RETRY_WAIT, self.config.poll_interval * 2**failures)
                self.metrics.failures.inc()
                self.metrics.retry_wait.set(wait)
                self.log(f"{reason}; retrying in {wait:g} s")
                self.stop.wait(wait)
                continue
            if at_head:
                self.metrics.ready.set()
                if once:
                    break
                self.stop.wait(self.config.poll_interval)
        return cp


@contextmanager
def _few_collections() -> Iterator[None]:
    """Parsing and decoding a range makes hundreds of thousands of short-lived objects, none in a cycle; at
    the default thresholds the cyclic collector would run hundreds of times per range, and its full passes
    walk every live object. Raised thresholds cut the backfill's time by about a tenth."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OperationalError):
        return f"the database failed: {db_reason(exc)}"
    return str(exc)
