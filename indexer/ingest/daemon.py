"""The indexer loop: backfill to the head, then follow it, rolling back reorgs.

Each range is fetched while the previous one is decoded and written; a range's
rows, headers and checkpoint commit in one transaction, so a crash at any
moment resumes from the last commit with no gap and no duplicate. A reorg is
noticed when the block at the checkpoint's height changes hash (checked on
every poll) or when a range's first block does not descend from the
checkpoint; the stored header window finds the fork point, and everything
above it is rolled back in one transaction before indexing resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.engine import Engine

from indexer.chain.manifest import Manifest
from indexer.errors import FlywheelError
from indexer.ingest import decode as decoding
from indexer.ingest import store
from indexer.ingest.client import NodeClient, NodeError
from indexer.ingest.config import IndexerConfig
from indexer.ingest.fetch import Batch, Fetcher
from indexer.ingest.metrics import Metrics
from indexer.ingest.progress import BackfillProgress


class ReorgTooDeep(FlywheelError):
    """The chain forked below every header the indexer remembers."""


class Indexer:
    def __init__(self, config: IndexerConfig, manifest: Manifest, engine: Engine, client: NodeClient,
                 log: Callable[[str], None], metrics: Metrics | None = None, stop: threading.Event | None = None,
                 progress: BackfillProgress | None = None) -> None:
        self.config = config
        self.manifest = manifest
        self.engine = engine
        self.client = client
        self.log = log
        self.metrics = metrics or Metrics()
        self.stop = stop or threading.Event()
        self.progress = progress or BackfillProgress(log)
        self.stream = store.Stream.of(manifest)
        self.decoders = decoding.decoders(manifest, engine.dialect.name)
        self.confirmations = config.confirmations_for(manifest.chain_id)
        self.fetcher = Fetcher(client, decoding.addresses(manifest), config.batch_blocks, config.max_batch_blocks,
                               on_resize=self.metrics.range_size.set)
        self.metrics.range_size.set(config.batch_blocks)

    # --- state -------------------------------------------------------------------

    def checkpoint(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            found = store.load_checkpoint(conn, self.stream)
        if found is not None:
            return found
        start = self.manifest.deploy_block - 1
        block = self.client.call("eth_getBlockByNumber", hex(start), False)
        if block is None:
            raise FlywheelError(f"the node has no block {start}: is it synced past the deployment?")
        return start, block["hash"]

    def _hash_at(self, number: int) -> str | None:
        block = self.client.call("eth_getBlockByNumber", hex(number), False)
        return None if block is None else block["hash"]

    # --- reorgs --------------------------------------------------------------------

    def _fork_point(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            remembered = store.window(conn, self.stream)
        if remembered:
            current = self.fetcher.headers([n for n, _ in remembered])
            for number, block_hash in remembered:
                block = current[number]
                if block is not None and block["hash"] == block_hash:
                    return number, block_hash
        raise ReorgTooDeep(
            f"reorg deeper than the {self.config.reorg_window}-block window on chain {self.stream.chain_id}: "
            "stopped without writing; re-index from scratch or raise reorg_window"
        )

    def _roll_back(self, head: int) -> tuple[int, str]:
        ancestor = self._fork_point()
        removed = store.rollback(self.engine, self.stream, ancestor, head)
        self.metrics.reorgs.inc()
        self.log(f"reorg: rolled back to block {ancestor[0]}, removed {removed} rows; re-indexing")
        return ancestor

    # --- one range ---------------------------------------------------------------------

    def _write(self, batch: Batch, head: int) -> int:
        rows = decoding.decode(batch.logs, self.decoders, self.stream.chain_id, batch.times)
        store.commit_range(self.engine, self.stream, rows, list(batch.headers.values()), batch.headers[batch.end], head,
                           self.config.reorg_window)
        count = 0
        for table, values in rows.items():
            self.metrics.events.labels(table).inc(len(values))
            count += len(values)
        self.metrics.indexed_block.set(batch.end)
        return count

    def _catch_up(self, cp: tuple[int, str], target: int, head: int) -> tuple[int, str]:
        """Index (cp, target]; returns the new checkpoint. Fetching the next range overlaps writing this one."""
        self.progress.start(target - cp[0])
        check_from = head - self.config.reorg_window
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch") as pool:
            pending: Future | None = pool.submit(self.fetcher.fetch, cp[0] + 1, target, check_from)
            while pending is not None:
                batch: Batch = pending.result()
                pending = pool.submit(self.fetcher.fetch, batch.end + 1, target, check_from) if batch.end < target else None
                if batch.headers[batch.start].parent_hash != cp[1]:
                    _drain(pending)
                    self.progress.finish()
                    return self._roll_back(head)
                events = self._write(batch, head)
                self.progress.advance(batch.end - batch.start + 1, events)
                self.metrics.lag.set(max(0, target - batch.end))
                cp = (batch.end, batch.headers[batch.end].hash)
                if self.stop.is_set():
                    _drain(pending)
                    break
        self.progress.finish()
        return cp

    # --- the loop ------------------------------------------------------------------

    def step(self, cp: tuple[int, str]) -> tuple[tuple[int, str], bool]:
        """One poll; returns the checkpoint and whether the indexer is at the head."""
        head = int(self.client.call("eth_blockNumber"), 16)
        self.metrics.head_block.set(head)
        if head < cp[0]:
            self.log(f"the node's head {head} is below the checkpoint {cp[0]}: waiting for it to catch up")
            return cp, True
        if self._hash_at(cp[0]) != cp[1]:
            return self._roll_back(head), False
        target = head - self.confirmations
        if target <= cp[0]:
            self.metrics.lag.set(0)
            return cp, True
        return self._catch_up(cp, target, head), False

    def run(self, once: bool = False) -> tuple[int, str]:
        store.register(self.engine, self.stream, self.manifest)
        cp = self.checkpoint()
        while not self.stop.is_set():
            try:
                cp, at_head = self.step(cp)
            except NodeError as exc:
                if once:
                    raise
                self.log(f"{exc}; retrying in {self.config.poll_interval:g} s")
                at_head = True
            if at_head:
                self.metrics.ready.set()
                if once:
                    break
                self.stop.wait(self.config.poll_interval)
        return cp


def _drain(pending: Future | None) -> None:
    """Wait out a fetch whose result is no longer wanted; its errors no longer matter."""
    if pending is not None:
        try:
            pending.result()
        except Exception:  # noqa: BLE001 - the range is fetched again from the new checkpoint
            pass
