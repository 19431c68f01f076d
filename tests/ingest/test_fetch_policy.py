"""What the fetcher asks the node for, checked without a node.

A scripted node stands in for the client: a chain whose blocks each hold a
given number of logs (one unless a test says otherwise), which refuses log
ranges wider than it allows (as the client reports them: `RangeTooLarge`).
Every query it answers is recorded, so the tests can say exactly which blocks
each `eth_getLogs` covered and how many logs it brought back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings, strategies as st

from indexer.chain.rpc import Log, RangeTooLarge
from indexer.ingest.blocks import Batch, Header
from indexer.ingest.fetch import CALM_RANGES, RECENT_SPAN, ROW_BYTES, Fetcher, Prefetch, weight


def block_hash(n: int) -> str:
    return "0x" + f"{n:064x}"


class ScriptedNode:
    def __init__(self, allows: Callable[[int, int], bool] = lambda start, end: True,
                 logs_in: Callable[[int], int] = lambda n: 1) -> None:
        self.allows = allows
        self.logs_in = logs_in
        self.answered: list[int] = []  # logs returned by each answered range query
        self.ranges: list[tuple[int, int]] = []  # answered range queries
        self.refused: list[tuple[int, int]] = []
        self.by_hash: list[int] = []  # blocks whose logs were asked by hash
        self.shown = "scripted node"
        self.retries = 3
        self.stop = threading.Event()

    def _log(self, n: int, i: int = 0) -> Log:
        return Log(address="0x" + "11" * 20, topics=[], data="0x", block_number=hex(n), block_hash=block_hash(n),
                   transaction_hash=block_hash(n), log_index=hex(i), block_timestamp=hex(1_000 + n))

    def _logs(self, n: int) -> list[Log]:
        return [self._log(n, i) for i in range(self.logs_in(n))]

    def call(self, method: str, *params: object, result: object = None, splittable: bool = False) -> list[Log]:
        assert method == "eth_getLogs"
        query = params[0]
        assert isinstance(query, dict)
        start, end = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        assert start <= end
        assert splittable == (end > start), "only a query over several blocks may be split"
        if not self.allows(start, end):
            self.refused.append((start, end))
            raise RangeTooLarge("query returned more than 10000 results")
        self.ranges.append((start, end))
        logs = [log for n in range(start, end + 1) for log in self._logs(n)]
        self.answered.append(len(logs))
        return logs

    def batch(self, calls: list[tuple[str, list]], result: object = None) -> list:
        out = []
        for method, params in calls:
            if method == "eth_getBlockByNumber":
                n = int(params[0], 16)
                out.append({"hash": block_hash(n), "parentHash": block_hash(n - 1), "timestamp": hex(1_000 + n)})
            else:
                assert method == "eth_getLogs" and set(params[0]) >= {"blockHash"} and "fromBlock" not in params[0]
                n = int(params[0]["blockHash"], 16)
                self.by_hash.append(n)
                out.append(self._logs(n))
        return out


def decode(logs: list[Log], times: dict[str, int]) -> dict[str, list[tuple]]:
    return {"blocks": [(int(log.block_number, 16), times.get(log.block_number)) for log in logs]}


BOUNDLESS = 10**9  # a target of logs per request no range here reaches: the node's limits alone size the ranges


def fetcher(node: ScriptedNode, size: int, max_size: int, target_logs: int = BOUNDLESS) -> Fetcher:
    return Fetcher(node, ["0x" + "11" * 20], [], decode, size, max_size, target_logs)  # type: ignore[arg-type]


def drain(f: Fetcher, start: int, stop: int, settled_below: int) -> list[int]:
    """Fetch as the prefetch thread does: range after range until `stop`; the blocks whose rows came back."""
    blocks: list[int] = []
    while start <= stop:
        batch = f.fetch(start, stop, settled_below)
        assert batch.start == start and start <= batch.end <= stop
        assert batch.end < settled_below or batch.start >= settled_below, "a fetch crossed the settled bound"
        blocks += sorted({n for n, _ in batch.rows["blocks"]})
        start = batch.end + 1
    return blocks


@settings(max_examples=300, deadline=None)
@given(start=st.integers(1, 500), length=st.integers(1, 400), settled_offset=st.integers(-50, 450),
       size=st.integers(1, 64), growth=st.integers(1, 4), cap=st.none() | st.integers(1, 70),
       target=st.sampled_from([1, 7, 40, BOUNDLESS]), dense_every=st.integers(1, 9))
def test_every_block_is_asked_for_once_and_never_past_the_settled_bound(start: int, length: int, settled_offset: int,
                                                                        size: int, growth: int, cap: int | None,
                                                                        target: int, dense_every: int) -> None:
    stop = start + length - 1
    settled_below = start + settled_offset
    # Uneven density: every `dense_every`-th block holds 12 logs, the others 1 to 3 (each block one at least, so its rows show it came).
    node = ScriptedNode(lambda a, b: cap is None or b - a + 1 <= cap, lambda n: 12 if n % dense_every == 0 else 1 + n % 3)
    f = fetcher(node, size, size * 2**growth, target)
    assert drain(f, start, stop, settled_below) == list(range(start, stop + 1))
    # Range queries tile the settled part exactly; the rest is asked block by block, by hash.
    covered = [n for a, b in node.ranges for n in range(a, b + 1)]
    assert covered == list(range(start, min(stop, settled_below - 1) + 1))
    assert all(b < settled_below for _, b in node.ranges + node.refused)
    assert node.by_hash == list(range(max(start, settled_below), stop + 1))
    assert all(b - a + 1 <= f.max_size for a, b in node.ranges + node.refused)


def test_the_range_halves_on_each_refusal_until_the_node_accepts_it() -> None:
    node = ScriptedNode(lambda a, b: b - a + 1 <= 10)
    f = fetcher(node, 64, 64)
    drain(f, 100, 999, 1_000)
    assert node.refused[:3] == [(100, 163), (100, 131), (100, 115)]
    assert node.ranges[:CALM_RANGES] == [(100 + 8 * i, 107 + 8 * i) for i in range(CALM_RANGES)]
    # It then probes a doubled range, is refused, and halves again: never a gap, never a wider answer.
    assert node.refused[3] == (100 + 8 * CALM_RANGES, 115 + 8 * CALM_RANGES)
    assert all(b - a + 1 <= 10 for a, b in node.ranges)


def test_a_short_tail_is_asked_for_as_it_is_not_halved_first() -> None:
    node = ScriptedNode()
    f = fetcher(node, 64, 64)
    drain(f, 10, 14, 1_000)  # fewer blocks than the range size: one query of exactly those
    assert node.ranges == [(10, 14)] and not node.refused and f.size == 64


def test_the_range_grows_back_after_the_stated_number_of_calm_ranges() -> None:
    refusals = iter([True])  # the node refuses one query, the first, then accepts everything

    def allows(start: int, end: int) -> bool:
        return not next(refusals, False)

    node = ScriptedNode(allows)
    f = fetcher(node, 16, 64)
    drain(f, 1, 1_000, 10_000)
    widths = [b - a + 1 for a, b in node.ranges]
    assert node.refused == [(1, 16)]
    # CALM_RANGES full ranges at the halved size, then doubling on each full range up to the maximum.
    assert widths[:CALM_RANGES + 3] == [8] * CALM_RANGES + [16, 32, 64]
    assert set(widths[CALM_RANGES + 3:-1]) == {64} and f.size == 64


def test_without_trouble_each_full_range_doubles_the_next() -> None:
    node = ScriptedNode()
    f = fetcher(node, 2, 32)
    drain(f, 0, 200, 10_000)
    assert [b - a + 1 for a, b in node.ranges][:6] == [2, 4, 8, 16, 32, 32]


def test_ranges_settle_where_they_return_the_target_number_of_logs() -> None:
    node = ScriptedNode(logs_in=lambda n: 50)
    f = fetcher(node, 1, 10_000, target_logs=1_000)
    drain(f, 0, 2_000, 10_000)
    widths = [b - a + 1 for a, b in node.ranges]
    assert widths[:6] == [1, 2, 4, 8, 16, 20]  # doubling while below the target, then target / density
    assert set(widths[5:-1]) == {20} and set(node.answered[5:-1]) == {1_000}


def test_a_dense_stretch_shrinks_the_next_range_at_once_and_a_sparse_one_lets_it_grow_back() -> None:
    # Blocks 0-999 hold 1 log each, 1000-1999 hold 400, then 1 again.
    node = ScriptedNode(logs_in=lambda n: 400 if 1_000 <= n < 2_000 else 1)
    f = fetcher(node, 64, 512, target_logs=2_000)
    drain(f, 0, 4_000, 10_000)
    entering = next(i for i, (a, b) in enumerate(node.ranges) if b >= 1_000)
    assert node.answered[entering] > 2 * 2_000, "the range that meets the dense stretch overshoots"
    assert node.ranges[entering + 1][1] - node.ranges[entering + 1][0] + 1 == 5  # 2,000 / 400, straight away
    inside = [i for i, (a, b) in enumerate(node.ranges) if a >= 1_000 and b < 2_000 and i > entering]
    assert inside and all(node.answered[i] <= 2_000 for i in inside)
    # Past the stretch the size doubles per range back to the maximum, never jumping.
    after = [b - a + 1 for a, b in node.ranges if a >= 2_000]
    assert all(later <= 2 * earlier for earlier, later in zip(after, after[1:]))
    assert after[-2] == 512


def test_the_target_never_widens_a_range_past_what_the_node_accepted() -> None:
    refusals = iter([True])
    node = ScriptedNode(lambda a, b: not next(refusals, False), logs_in=lambda n: 0)  # no logs: the target allows any width
    f = fetcher(node, 16, 64, target_logs=5)
    drain(f, 1, 400, 10_000)
    assert node.refused == [(1, 16)]
    assert [b - a + 1 for a, b in node.ranges][:CALM_RANGES + 1] == [8] * CALM_RANGES + [16]


@pytest.mark.parametrize("settled_offset", [0, -5])
def test_inside_the_window_one_fetch_takes_at_most_the_recent_span(settled_offset: int) -> None:
    node = ScriptedNode()
    f = fetcher(node, 500, 500)
    batch = f.fetch(10, 10 + 3 * RECENT_SPAN, 10 + settled_offset)
    assert (batch.start, batch.end) == (10, 10 + RECENT_SPAN - 1)
    assert not node.ranges and node.by_hash == list(range(10, 10 + RECENT_SPAN))


class RowsFetcher:
    """Hands out one-block batches of the given row counts, and records how much was queued at each fetch."""

    def __init__(self, rows: list[int]) -> None:
        self.rows = rows
        self.client = ScriptedNode()
        self.prefetch: Prefetch | None = None
        self.queued_at_fetch: list[int] = []

    def fetch(self, start: int, stop: int, settled_below: int) -> Batch:
        assert self.prefetch is not None
        self.queued_at_fetch.append(self.prefetch.queued_bytes)
        header = Header(start, block_hash(start), block_hash(start - 1))
        return Batch(start, start, {"t": [()] * self.rows[start]}, {start: header})


def test_the_prefetch_queue_holds_batches_up_to_a_byte_budget_and_always_one() -> None:
    rows = [10, 10, 10, 10, 100, 10, 10, 10]  # with ROW_BYTES each; block 4's batch alone outweighs the budget
    fetch = RowsFetcher(rows)
    budget = 25 * ROW_BYTES
    prefetch = Prefetch(fetch, 0, len(rows) - 1, len(rows), budget=budget)  # type: ignore[arg-type]
    fetch.prefetch = prefetch
    seen, most = [], 0
    with prefetch as batches:
        for batch in batches:
            time.sleep(0.05)  # a slow writer: the fetch thread runs ahead until the budget stops it
            most = max(most, prefetch.queued_bytes)
            seen.append(batch.start)
    assert seen == list(range(len(rows))) and weight(batch) == 10 * ROW_BYTES
    assert most <= max(budget, 100 * ROW_BYTES)
    # Two batches of 10 rows fit the budget, a third does not: the thread waited with at most two queued.
    assert max(fetch.queued_at_fetch[:4]) <= 20 * ROW_BYTES
