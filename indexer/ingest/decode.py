"""Turn raw logs into rows for bulk inserts, with tables of decoders built once.

Every field of every Flywheel event is a static 32-byte word (address,
uint256, bytes32), so decoding is slicing hex strings: no ABI machinery and no
objects per row beyond the dict the insert needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eth_utils import keccak

from indexer.chain.manifest import Manifest
from indexer.db.schema import EVENTS, EventSpec

Row = dict[str, object]


def _address(word: str) -> str:
    return "0x" + word[-40:]


def _uint(word: str) -> int:
    return int(word, 16)


def _bytes32(word: str) -> str:
    return "0x" + word


_CONVERT: dict[str, Callable[[str], object]] = {"address": _address, "uint256": _uint, "bytes32": _bytes32}


@dataclass(frozen=True)
class Decoder:
    table: str
    sources: frozenset[str]  # lower-case addresses allowed to emit it
    topic_fields: tuple[tuple[str, Callable[[str], object]], ...]
    data_fields: tuple[tuple[str, Callable[[str], object]], ...]

    def row(self, log: dict, chain_id: int, block_time: int) -> Row:
        topics = log["topics"]
        data = log["data"][2:]
        row: Row = {
            "chain_id": chain_id,
            "block_number": int(log["blockNumber"], 16),
            "block_hash": log["blockHash"],
            "block_time": block_time,
            "tx_hash": log["transactionHash"],
            "log_index": int(log["logIndex"], 16),
            "contract": log["address"].lower(),
        }
        for i, (name, convert) in enumerate(self.topic_fields, start=1):
            row[name] = convert(topics[i][2:])
        for i, (name, convert) in enumerate(self.data_fields):
            row[name] = convert(data[64 * i: 64 * i + 64])
        return row


def topic0(spec: EventSpec) -> str:
    return "0x" + keccak(text=spec.signature).hex()


def decoders(manifest: Manifest) -> dict[str, Decoder]:
    """topic0 -> decoder for this deployment's events."""
    out = {}
    for spec in EVENTS:
        out[topic0(spec)] = Decoder(
            table=spec.table,
            sources=frozenset(manifest.contracts[key].lower() for key in spec.source),
            topic_fields=tuple((f.name, _CONVERT[f.kind]) for f in spec.fields if f.indexed),
            data_fields=tuple((f.name, _CONVERT[f.kind]) for f in spec.fields if not f.indexed),
        )
    return out


def addresses(manifest: Manifest) -> list[str]:
    """Every address the deployment's events come from, for one eth_getLogs."""
    return sorted({manifest.contracts[key].lower() for spec in EVENTS for key in spec.source})


def decode(logs: list[dict], table_of: dict[str, Decoder], chain_id: int, times: dict[str, int]) -> dict[str, list[Row]]:
    """Rows per table; logs of other events (Approval, role changes...) and removed logs are skipped."""
    rows: dict[str, list[Row]] = {}
    for log in logs:
        topics = log["topics"]
        if not topics or log.get("removed"):
            continue
        decoder = table_of.get(topics[0])
        if decoder is None or log["address"].lower() not in decoder.sources or len(topics) != len(decoder.topic_fields) + 1:
            continue
        rows.setdefault(decoder.table, []).append(decoder.row(log, chain_id, times[log["blockNumber"]]))
    return rows
