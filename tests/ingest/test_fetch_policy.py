"""What the fetcher asks the node for, checked without a node.

A scripted node stands in for the client: a chain whose blocks each hold one
log, which refuses log ranges wider than it allows (as the client reports
them: `RangeTooLarge`). Every query it answers is recorded, so the tests can
say exactly which blocks each `eth_getLogs` covered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from hypothesis import given, settings, strategies as st

from indexer.chain.rpc import Log, RangeTooLarge
from indexer.ingest.fetch import CALM_RANGES, RECENT_SPAN, Fetcher


def block_hash(n: int) -> str:
    return "0x" + f"{n:064x}"


class ScriptedNode:
    def __init__(self, allows: Callable[[int, int], bool] = lambda start, end: True) -> None:
        self.allows = allows
        self.ranges: list[tuple[int, int]] = []  # answered range queries
        self.refused: list[tuple[int, int]] = []
        self.by_hash: list[int] = []  # blocks whose logs were asked by hash
        self.shown = "scripted node"
        self.retries = 3
        self.stop = threading.Event()

    def _log(self, n: int) -> Log:
        return Log(address="0x" + "11" * 20, topics=[], data="0x", block_number=hex(n), block_hash=block_hash(n),
                   transaction_hash=block_hash(n), log_index="0x0", block_timestamp=hex(1_000 + n))

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
        return [self._log(n) for n in range(start, end + 1)]

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
                out.append([self._log(n)])
        return out


def decode(logs: list[Log], times: dict[str, int]) -> dict[str, list[tuple]]:
    return {"blocks": [(int(log.block_number, 16), times.get(log.block_number)) for log in logs]}


def fetcher(node: ScriptedNode, size: int, max_size: int) -> Fetcher:
    return Fetcher(node, ["0x" + "11" * 20], [], decode, size, max_size)  # type: ignore[arg-type]


def drain(f: Fetcher, start: int, stop: int, settled_below: int) -> list[int]:
    """Fetch as the prefetch thread does: range after range until `stop`; the blocks whose rows came back."""
    blocks: list[int] = []
    while start <= stop:
        batch = f.fetch(start, stop, settled_below)
        assert batch.start == start and start <= batch.end <= stop
        assert batch.end < settled_below or batch.start >= settled_below, "a fetch crossed the settled bound"
        blocks += [n for n, _ in batch.rows["blocks"]]
        start = batch.end + 1
    return blocks


@settings(max_examples=300, deadline=None)
@given(start=st.integers(1, 500), length=st.integers(1, 400), settled_offset=st.integers(-50, 450),
       size=st.integers(1, 64), growth=st.integers(1, 4), cap=st.none() | st.integers(1, 70))
def test_every_block_is_asked_for_once_and_never_past_the_settled_bound(start: int, length: int, settled_offset: int,
                                                                        size: int, growth: int, cap: int | None) -> None:
    stop = start + length - 1
    settled_below = start + settled_offset
    node = ScriptedNode(lambda a, b: cap is None or b - a + 1 <= cap)
    f = fetcher(node, size, size * 2**growth)
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


@pytest.mark.parametrize("settled_offset", [0, -5])
def test_inside_the_window_one_fetch_takes_at_most_the_recent_span(settled_offset: int) -> None:
    node = ScriptedNode()
    f = fetcher(node, 500, 500)
    batch = f.fetch(10, 10 + 3 * RECENT_SPAN, 10 + settled_offset)
    assert (batch.start, batch.end) == (10, 10 + RECENT_SPAN - 1)
    assert not node.ranges and node.by_hash == list(range(10, 10 + RECENT_SPAN))
