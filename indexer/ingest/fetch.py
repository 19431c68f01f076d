"""Fetch a block range and decode it: logs, headers and rows that agree with each other.

Two ways, by depth:
- below the reorg window (`settled_below`), where the chain no longer
  changes, one `eth_getLogs` for the whole range and the deployment's
  addresses. Its size in blocks follows the logs it returns: it aims at
  `target_logs` per request, from the density (logs per block) of the last
  few ranges, at most doubling from one range to the next and shrinking at
  once after a range that came back with more logs than the target. The
  node's limits still bound it: it halves when the node refuses or times
  out, holds for a few ranges after a refusal, and never exceeds
  `max_size` blocks;
- inside the window, headers first (one batch), checked to link parent to
  child, then each block's logs asked by its hash (`eth_getLogs` with
  `blockHash`, one batch). The logs then belong to exactly the headers the
  checkpoint will name, even if the chain reorganises while they are fetched.
  A range query cannot promise that: a block that had no logs in the branch
  it was answered from is indistinguishable from one that really has none.

Memory: a range's logs live as parsed logs, then as decoded rows, so sizing
ranges by logs rather than blocks is what keeps the backfill's peak flat
however dense the chain. The prefetch queue is bounded by bytes as well: a
batch's weight is its row count times `ROW_BYTES` (an estimate of a decoded
row with its strings), and the fetch thread waits while the batches queued
for the writer weigh more than `PREFETCH_BYTES`. One batch is always
admitted, however heavy, so the writer never starves; at most the queue's
budget, one batch being fetched and one being written are held at once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator

from indexer.chain.rpc import LOGS, Log, NodeClient, NodeError, RangeTooLarge, RpcAnswerError
from indexer.ingest.blocks import Batch, Header

CALM_RANGES = 4  # full ranges that must work after a refusal before the range grows again (else each full range may double it)
TARGET_LOGS = 5_000  # logs per eth_getLogs aimed at by default; see IndexerConfig.target_logs
DENSITY_RANGES = 4  # the last ranges whose logs per block set the next range's size
ROW_BYTES = 600  # estimated memory of one decoded row, its tuple and strings (about 520 bytes measured on the simulator's events)
PREFETCH_BYTES = 16 * 2**20  # estimated bytes of decoded rows queued ahead of the writer
RECENT_SPAN = 100  # blocks per fetch inside the reorg window: one batch of headers, one of log queries
ATTEMPTS = 5  # fetches of a range that keeps changing under us before giving up


class Inconsistent(Exception):
    """The chain moved under the fetch (a block vanished or its hash changed): fetch again."""


Decode = Callable[[list[Log], dict[str, int]], dict[str, list[tuple]]]  # (logs, hex block number -> time) -> rows


class Fetcher:
    def __init__(self, client: NodeClient, addresses: list[str], topics: list[list[str]], decode: Decode,
                 size: int = 16, max_size: int = 20_000, target_logs: int = TARGET_LOGS,
                 on_resize: Callable[[int], None] = lambda size: None) -> None:
        self.client = client
        self.filter = {"address": addresses, "topics": topics}
        self.decode = decode
        self.size = size
        self.max_size = max_size
        self.target_logs = target_logs
        self.on_resize = on_resize
        self._calm = 0
        self._seen: deque[tuple[int, int]] = deque(maxlen=DENSITY_RANGES)  # (blocks, logs) of the last ranges

    def _resize(self, size: int) -> None:
        self.size = size
        self.on_resize(size)

    def _logs(self, start: int, limit: int) -> tuple[int, list[Log]]:
        """Logs of `start` up to at most `limit` blocks on, as many as the node accepts in one query.

        A query of one block cannot shrink: the client retries it as a passing failure and, if the node
        never answers it, raises `NodeError`, which the daemon waits out (or reports, with `--once`).
        """
        while True:
            end = start + min(self.size, limit) - 1
            try:
                logs = self.client.call("eth_getLogs", {**self.filter, "fromBlock": hex(start), "toBlock": hex(end)},
                                        result=LOGS, splittable=end > start)
                break
            except RangeTooLarge:
                self._resize(max(1, (end - start + 1) // 2))
                self._calm = CALM_RANGES
        self._learn(end - start + 1, len(logs))
        return end, logs

    def _learn(self, blocks: int, logs: int) -> None:
        """Size the next range from the logs this one (of `blocks` blocks) returned.

        A range cut short by the end of the work still tells the density, so it may shrink the next one, but only
        a full range may grow it: a short tail says nothing about whether the node takes a wider query.
        """
        self._seen.append((blocks, logs))
        # The denser of this range and the last few together: a dense stretch shrinks the next range at once (the
        # average would lag behind it), while growing back needs both this range and its predecessors sparse.
        density = max(logs / blocks, sum(n for _, n in self._seen) / sum(b for b, _ in self._seen))
        wanted = self.max_size if density == 0 else max(1, min(self.max_size, int(self.target_logs / density)))
        if wanted < self.size:
            self._resize(wanted)
        elif blocks == self.size < self.max_size:
            self._calm = max(0, self._calm - 1)
            if not self._calm and wanted > self.size:
                self._resize(min(wanted, self.size * 2))

    def headers(self, numbers: list[int]) -> dict[int, dict | None]:
        blocks = self.client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return dict(zip(numbers, blocks))

    def fetch(self, start: int, stop: int, settled_below: int) -> Batch:
        """Blocks `start` to at most `stop` (not crossing `settled_below`), decoded."""
        for _ in range(ATTEMPTS):
            try:
                if start < settled_below:
                    return self._settled(start, min(stop, settled_below - 1))
                return self._recent(start, min(stop, start + min(self.size, RECENT_SPAN) - 1))
            except Inconsistent:
                continue
        raise NodeError(f"the chain at {self.client.shown} kept changing while blocks from {start} were fetched")

    def _settled(self, start: int, stop: int) -> Batch:
        end, logs = self._logs(start, stop - start + 1)
        # Headers of the range's ends, and of blocks whose logs came without a timestamp.
        wanted = {start, end} | {int(log.block_number, 16) for log in logs if not log.block_timestamp}
        headers = _headers(self.headers(sorted(wanted)))
        for log in logs:
            header = headers.get(int(log.block_number, 16))
            if header is not None and log.block_hash != header.hash:
                raise Inconsistent()
        return Batch(start, end, self.decode(logs, _times(headers)), headers)

    def _recent(self, start: int, end: int) -> Batch:
        headers = _headers(self.headers(list(range(start, end + 1))))
        for number in range(start + 1, end + 1):
            if headers[number].parent_hash != headers[number - 1].hash:
                raise Inconsistent()
        try:
            answers = self.client.batch([("eth_getLogs", [{**self.filter, "blockHash": headers[n].hash}]) for n in range(start, end + 1)],
                                        result=LOGS)
        except RpcAnswerError:  # a block named by its hash is gone: it was reorganised away
            raise Inconsistent() from None
        logs = [log for block_logs in answers for log in block_logs]
        for log in logs:  # a node that ignored the hash would answer for another block
            header = headers.get(int(log.block_number, 16))
            if header is None or log.block_hash != header.hash:
                raise Inconsistent()
        return Batch(start, end, self.decode(logs, _times(headers)), headers)


def _headers(blocks: dict[int, dict | None]) -> dict[int, Header]:
    if any(block is None for block in blocks.values()):
        raise Inconsistent()  # the node no longer has a block it had: the chain got shorter
    return {n: Header(n, b["hash"], b["parentHash"], int(b["timestamp"], 16)) for n, b in blocks.items()}


def _times(headers: dict[int, Header]) -> dict[str, int]:
    return {hex(n): h.time for n, h in headers.items()}


def weight(batch: Batch) -> int:
    """Estimated bytes of a batch's decoded rows."""
    return ROW_BYTES * sum(len(rows) for rows in batch.rows.values())


class Prefetch:
    """Batches from `start` to `stop` in order, fetched by a thread ahead of the writer while those queued weigh less
    than `budget` bytes (see the module's notes on memory).

    A fetch error reaches the writer when it asks for that batch. Leaving the
    `with` block early (a reorg, a stop) cancels the thread and waits for the
    request it is in, so no fetch outlives its catch-up.
    """

    def __init__(self, fetcher: Fetcher, start: int, stop: int, settled_below: int, budget: int = PREFETCH_BYTES) -> None:
        self._budget = budget
        self._queued: deque[tuple[object, int]] = deque()  # (batch, None or an error; its weight)
        self._weight = 0
        self._changed = threading.Condition()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(fetcher, start, stop, settled_below), name="fetch", daemon=True)

    def _produce(self, fetcher: Fetcher, start: int, stop: int, settled_below: int) -> None:
        try:
            while start <= stop and not self._cancel.is_set() and not fetcher.client.stop.is_set():
                batch = fetcher.fetch(start, stop, settled_below)
                self._put(batch, weight(batch))
                start = batch.end + 1
            self._put(None)
        except BaseException as exc:  # noqa: BLE001 - handed over to the writer, which decides
            self._put(exc)

    def _put(self, item: object, weight: int = 0) -> None:
        with self._changed:
            # An empty queue takes any batch: one heavier than the budget must still reach the writer.
            while self._queued and self._weight + weight > self._budget and not self._cancel.is_set():
                self._changed.wait(0.05)
            if self._cancel.is_set():
                return
            self._queued.append((item, weight))
            self._weight += weight
            self._changed.notify_all()

    def _get(self) -> object:
        with self._changed:
            while not self._queued:
                self._changed.wait()
            item, weight = self._queued.popleft()
            self._weight -= weight
            self._changed.notify_all()
            return item

    @property
    def queued_bytes(self) -> int:
        return self._weight

    def __enter__(self) -> Iterator[Batch]:
        self._thread.start()
        return self._batches()

    def _batches(self) -> Iterator[Batch]:
        while (item := self._get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def __exit__(self, *exc: object) -> None:
        self._cancel.set()
        with self._changed:
            self._changed.notify_all()
        self._thread.join()
