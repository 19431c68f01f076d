"""Fetch a block range: its logs in one eth_getLogs, its headers in one batch, consistent with each other."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.ingest.client import NodeClient, NodeError, RangeTooLarge
from indexer.ingest.store import Header


class Inconsistent(Exception):
    """The chain moved under the fetch (a log's block hash differs from its header's): fetch again."""


@dataclass(frozen=True)
class Batch:
    start: int
    end: int
    logs: list[dict]
    headers: dict[int, Header]
    times: dict[str, int]  # hex block number -> timestamp, as logs name blocks


class Fetcher:
    def __init__(self, client: NodeClient, addresses: list[str], size: int = 2_000, max_size: int = 20_000,
                 on_resize=lambda size: None) -> None:
        self.client = client
        self.addresses = addresses
        self.size = size
        self.max_size = max_size
        self.on_resize = on_resize

    def _logs(self, start: int, limit: int) -> tuple[int, list[dict]]:
        while True:
            end = start + min(self.size, limit) - 1
            try:
                logs = self.client.call("eth_getLogs", {"fromBlock": hex(start), "toBlock": hex(end), "address": self.addresses})
                return end, logs
            except RangeTooLarge:
                if end == start:
                    raise NodeError("the node refuses to return the logs of even a single block") from None
                self.size = max(1, min(self.size, end - start + 1) // 2)
                self.on_resize(self.size)

    def headers(self, numbers: list[int]) -> dict[int, dict]:
        blocks = self.client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return dict(zip(numbers, blocks))

    def fetch(self, start: int, stop: int, check_from: int = 0) -> Batch:
        """Blocks `start` to at most `stop`, as far as the adaptive range allows.

        Blocks from `check_from` on (those a reorg could still replace) have every
        log checked against its block's header; deeper ones only need the
        range's ends, plus headers for logs that come without a timestamp.
        """
        for _ in range(5):
            end, logs = self._logs(start, stop - start + 1)
            wanted = {start, end}
            for log in logs:
                number = int(log["blockNumber"], 16)
                if number >= check_from or not log.get("blockTimestamp"):
                    wanted.add(number)
            numbers = sorted(wanted)
            blocks = self.headers(numbers)
            try:
                batch = self._assemble(start, end, logs, blocks)
            except Inconsistent:
                continue
            if self.size < self.max_size and end - start + 1 == self.size:
                # A full range that worked: try a larger one next time.
                self.size = min(self.max_size, self.size * 2)
                self.on_resize(self.size)
            return batch
        raise NodeError("the chain kept changing while a range was fetched")

    @staticmethod
    def _assemble(start: int, end: int, logs: list[dict], blocks: dict[int, dict]) -> Batch:
        headers, times = {}, {}
        for number, block in blocks.items():
            if block is None:
                raise Inconsistent()
            headers[number] = Header(number, block["hash"], block["parentHash"])
            times[hex(number)] = int(block["timestamp"], 16)
        for log in logs:
            header = headers.get(int(log["blockNumber"], 16))
            if header is not None and log["blockHash"] != header.hash:
                raise Inconsistent()
        return Batch(start, end, logs, headers, times)
