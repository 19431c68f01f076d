"""Turn raw logs into rows for bulk inserts, with tables of decoders built once.

Every field of every Flywheel event is a static 32-byte word (address,
uint256, bytes32), so decoding is slicing hex strings: no ABI machinery, and
each row is a plain tuple in the table's column order, ready for a bulk
insert. uint256 values become `int` for PostgreSQL and decimal text for
SQLite (see `indexer.db.types`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eth_utils import keccak

from indexer.chain.manifest import Manifest
from indexer.db.schema import EVENTS, EventSpec

Row = tuple
BASE_COLUMNS = ("chain_id", "block_number", "block_hash", "block_time", "tx_hash", "log_index", "contract")


def _address(word: str) -> str:
    return "0x" + word[-40:]


def _uint(word: str) -> int:
    return int(word, 16)


def _uint_text(word: str) -> str:
    return str(int(word, 16))


def _bytes32(word: str) -> str:
    return "0x" + word


def _converters(dialect: str) -> dict[str, Callable[[str], object]]:
    return {"address": _address, "uint256": _uint if dialect == "postgresql" else _uint_text, "bytes32": _bytes32}


@dataclass(frozen=True)
class Decoder:
    table: str
    columns: tuple[str, ...]  # the row's column order
    sources: frozenset[str]  # lower-case addresses allowed to emit it
    topic_fields: tuple[Callable[[str], object], ...]
    data_fields: tuple[Callable[[str], object], ...]
    order: tuple[int, ...]  # where each decoded field goes among the event's fields

    def row(self, log: dict, chain_id: int, block_time: int) -> Row:
        topics = log["topics"]
        data = log["data"][2:]
        decoded = [convert(topics[i][2:]) for i, convert in enumerate(self.topic_fields, start=1)]
        decoded += [convert(data[64 * i: 64 * i + 64]) for i, convert in enumerate(self.data_fields)]
        return (chain_id, int(log["blockNumber"], 16), log["blockHash"], block_time, log["transactionHash"],
                int(log["logIndex"], 16), log["address"].lower(), *[decoded[i] for i in self.order])


def topic0(spec: EventSpec) -> str:
    return "0x" + keccak(text=spec.signature).hex()


def decoders(manifest: Manifest, dialect: str) -> dict[str, Decoder]:
    """topic0 -> decoder for this deployment's events, producing values the backend stores."""
    convert = _converters(dialect)
    out = {}
    for spec in EVENTS:
        indexed = [f for f in spec.fields if f.indexed]
        plain = [f for f in spec.fields if not f.indexed]
        decoded_order = indexed + plain
        out[topic0(spec)] = Decoder(
            table=spec.table,
            columns=BASE_COLUMNS + tuple(f.name for f in spec.fields),
            sources=frozenset(manifest.contracts[key].lower() for key in spec.source),
            topic_fields=tuple(convert[f.kind] for f in indexed),
            data_fields=tuple(convert[f.kind] for f in plain),
            order=tuple(decoded_order.index(f) for f in spec.fields),
        )
    return out


def addresses(manifest: Manifest) -> list[str]:
    """Every address the deployment's events come from, for one eth_getLogs."""
    return sorted({manifest.contracts[key].lower() for spec in EVENTS for key in spec.source})


def decode(logs: list[dict], table_of: dict[str, Decoder], chain_id: int, times: dict[str, int]) -> dict[str, list[Row]]:
    """Rows per table; logs of other events (Approval, role changes...) and removed logs are skipped.

    A log's block time is its `blockTimestamp` where the node sends one, else the header's.
    """
    rows: dict[str, list[Row]] = {}
    for log in logs:
        topics = log["topics"]
        if not topics or log.get("removed"):
            continue
        decoder = table_of.get(topics[0])
        if decoder is None or log["address"].lower() not in decoder.sources or len(topics) != len(decoder.topic_fields) + 1:
            continue
        stamp = log.get("blockTimestamp")
        block_time = int(stamp, 16) if stamp else times[log["blockNumber"]]
        rows.setdefault(decoder.table, []).append(decoder.row(log, chain_id, block_time))
    return rows
