"""Turn raw logs into rows for bulk inserts, with a table of decoders built once.

Every field of every Flywheel event is a static 32-byte word (address,
uint256, bytes32), so decoding is slicing hex strings: no ABI machinery. Each
event gets one row function, generated from its field layout when the
decoders are built, that returns a plain tuple in the table's column order:
one expression per row with no loop over fields, which is what keeps decoding
at about a microsecond per log. uint256 values become `int` for PostgreSQL
and decimal text for SQLite (see `indexer.db.types`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eth_utils import keccak

from indexer.chain.manifest import Manifest
from indexer.chain.system import EventLayout
from indexer.db.schema import EVENTS
from indexer.chain.rpc import Log

Row = tuple
BASE_COLUMNS = ("chain_id", "block_number", "block_hash", "block_time", "tx_hash", "log_index", "contract")

# The expression that reads one field from the hex string `s`, whose 32-byte word starts at `i`
# (topics keep their "0x", data words follow one "0x").
_FIELD = {
    "address": "'0x' + {s}[{i} + 24:{i} + 64].lower()",
    "bytes32": "'0x' + {s}[{i}:{i} + 64]",
    "uint256:postgresql": "int({s}[{i}:{i} + 64], 16)",
    "uint256:sqlite": "str(int({s}[{i}:{i} + 64], 16))",
}


@dataclass(frozen=True)
class Decoder:
    table: str
    columns: tuple[str, ...]  # the row's column order
    sources: frozenset[str]  # lower-case addresses allowed to emit it
    topics: int  # topics a well-formed log of this event carries, topic0 included
    words: int  # 32-byte words of data it carries
    row: Callable[[Log, list, str, int, int], Row]  # (log, topics, data, chain id, block time) -> row


def _row_function(spec: EventLayout, dialect: str) -> Callable[[Log, list, str, int, int], Row]:
    """Compile the row builder of one event: base columns, then each field sliced from its topic or data word."""
    kind = {"address": "address", "bytes32": "bytes32", "uint256": f"uint256:{dialect}"}
    topic, word = 1, 0
    fields = []
    for f in spec.fields:
        if f.indexed:
            source, start, topic = f"topics[{topic}]", 2, topic + 1
        else:
            source, start, word = "data", 2 + 64 * word, word + 1
        fields.append(_FIELD[kind[f.kind]].format(s=source, i=start))
    body = ("def row(log, topics, data, chain_id, block_time):\n"
            "    return (chain_id, int(log.block_number, 16), log.block_hash, block_time, log.transaction_hash,\n"
            f"            int(log.log_index, 16), log.address.lower(), {', '.join(fields)})\n")
    namespace: dict = {}
    exec(compile(body, f"<row of {spec.table}>", "exec"), namespace)  # noqa: S102 - source built above from our own schema
    return namespace["row"]


def topic0(spec: EventLayout) -> str:
    return "0x" + keccak(text=spec.signature).hex()


def decoders(manifest: Manifest, dialect: str) -> dict[str, Decoder]:
    """topic0 -> decoder for this deployment's events, producing values the backend stores."""
    out = {}
    for spec in EVENTS:
        indexed = sum(f.indexed for f in spec.fields)
        out[topic0(spec)] = Decoder(
            table=spec.table,
            columns=BASE_COLUMNS + tuple(f.name for f in spec.fields),
            sources=frozenset(manifest.contracts[key].lower() for key in spec.source),
            topics=indexed + 1,
            words=len(spec.fields) - indexed,
            row=_row_function(spec, "postgresql" if dialect == "postgresql" else "sqlite"),
        )
    return out


def addresses(manifest: Manifest) -> list[str]:
    """Every address the deployment's events come from, for one eth_getLogs."""
    return sorted({manifest.contracts[key].lower() for spec in EVENTS for key in spec.source})


def topics_filter() -> list[list[str]]:
    """The eth_getLogs topic filter that asks only for the events Flywheel stores (no Approval, no role changes)."""
    return [sorted(topic0(spec) for spec in EVENTS)]


def decode(logs: list[Log], table_of: dict[str, Decoder], chain_id: int, times: dict[str, int]) -> dict[str, list[Row]]:
    """Rows per table; logs of other events, from other emitters, malformed or removed are skipped.

    A log's block time is its `blockTimestamp` where the node sends one, else
    the header's (`times`, keyed by the log's hex block number).
    """
    rows: dict[str, list[Row]] = {}
    for log in logs:
        topics = log.topics
        decoder = table_of.get(topics[0]) if topics else None
        if decoder is None or log.removed or len(topics) != decoder.topics:
            continue
        data = log.data
        if len(data) != 2 + 64 * decoder.words or log.address.lower() not in decoder.sources:
            continue
        stamp = log.block_timestamp
        block_time = int(stamp, 16) if stamp else times[log.block_number]
        rows.setdefault(decoder.table, []).append(decoder.row(log, topics, data, chain_id, block_time))
    return rows
