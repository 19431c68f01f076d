"""The database users may query: one table per event, plus the indexer's own state.

Event tables are named after the event in snake_case and carry where the log
came from (`chain_id, block_number, block_hash, block_time, tx_hash,
log_index, contract`) and the event's fields in snake_case. Addresses are
lower-case hex, hashes and bytes32 values 0x-prefixed hex, block_time Unix
seconds. `(chain_id, tx_hash, log_index)` is unique: a log is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from indexer.db.types import Uint256

metadata = MetaData()

ADDRESS = String(42)
HASH = String(66)


@dataclass(frozen=True)
class Field:
    name: str  # column name (snake_case of the ABI name)
    abi_name: str
    kind: str  # "address", "uint256" or "bytes32"
    indexed: bool


@dataclass(frozen=True)
class EventSpec:
    table: str
    event: str  # the ABI event name
    signature: str
    source: tuple[str, ...]  # manifest contract keys that emit it
    fields: tuple[Field, ...]


def _f(name: str, kind: str, indexed: bool = False, abi_name: str | None = None) -> Field:
    return Field(name, abi_name or name, kind, indexed)


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("payment_received", "PaymentReceived", "PaymentReceived(address,uint256,uint256,uint256,bytes32)", ("payment_gateway",),
              (_f("customer", "address", True), _f("epoch", "uint256", True), _f("amount", "uint256"), _f("fee", "uint256"),
               _f("reference", "bytes32"))),
    EventSpec("epoch_finalized", "EpochFinalized", "EpochFinalized(uint256,bytes32,uint256,uint256,uint256,uint256,uint256)", ("reward_distributor",),
              (_f("epoch", "uint256", True), _f("root", "bytes32"), _f("subsidy", "uint256"), _f("revenue", "uint256"),
               _f("work_units", "uint256"), _f("contributors", "uint256"), _f("price", "uint256"))),
    EventSpec("reward_claimed", "RewardClaimed", "RewardClaimed(address,uint256,uint256)", ("reward_distributor",),
              (_f("account", "address", True), _f("subsidy", "uint256"), _f("revenue", "uint256"))),
    EventSpec("root_revoked", "RootRevoked", "RootRevoked(uint256,bytes32)", ("reward_distributor",),
              (_f("epoch", "uint256", True), _f("root", "bytes32"))),
    EventSpec("node_registered", "NodeRegistered", "NodeRegistered(address,bytes32,uint256)", ("node_registry",),
              (_f("owner", "address", True), _f("node_id", "bytes32", True), _f("epoch", "uint256"))),
    EventSpec("node_retired", "NodeRetired", "NodeRetired(address,bytes32,uint256)", ("node_registry",),
              (_f("owner", "address", True), _f("node_id", "bytes32", True), _f("epoch", "uint256"))),
    EventSpec("price_updated", "PriceUpdated", "PriceUpdated(uint256,uint256)", ("price_feed",),
              (_f("epoch", "uint256", True), _f("price", "uint256"))),
    EventSpec("transfer", "Transfer", "Transfer(address,address,uint256)", ("network_token", "payment_token"),
              (_f("sender", "address", True), _f("receiver", "address", True), _f("value", "uint256"))),
)

_TYPES = {"address": ADDRESS, "bytes32": HASH}
# What the reports filter and group by, per table.
_INDEXED = {
    "payment_received": ("epoch", "customer"),
    "epoch_finalized": ("epoch",),
    "reward_claimed": ("account",),
    "root_revoked": ("epoch",),
    "node_registered": ("owner", "epoch"),
    "node_retired": ("owner", "epoch"),
    "price_updated": ("epoch",),
    "transfer": ("sender", "receiver"),
}


# Indexes on account columns: random keys, so each insert lands on another page of them. The first
# backfill into empty tables drops them and builds them once at the head (`indexer.ingest.store`), so a
# migration that changes one of them must say IF EXISTS.
LOOKUP_INDEXES: list[Index] = []


def _event_table(spec: EventSpec) -> Table:
    columns = [
        Column("chain_id", BigInteger, nullable=False),
        Column("block_number", BigInteger, nullable=False),
        Column("block_hash", HASH, nullable=False),
        Column("block_time", BigInteger, nullable=False),
        Column("tx_hash", HASH, nullable=False),
        Column("log_index", Integer, nullable=False),
        Column("contract", ADDRESS, nullable=False),
    ]
    columns += [Column(f.name, Uint256() if f.kind == "uint256" else _TYPES[f.kind], nullable=False) for f in spec.fields]
    table = Table(spec.table, metadata, *columns, UniqueConstraint("chain_id", "tx_hash", "log_index", name=f"uq_{spec.table}_log"))
    Index(f"ix_{spec.table}_block", table.c.chain_id, table.c.block_number)
    kinds = {f.name: f.kind for f in spec.fields}
    for name in _INDEXED[spec.table]:
        index = Index(f"ix_{spec.table}_{name}", table.c[name])
        if kinds[name] == "address":
            LOOKUP_INDEXES.append(index)
    return table


EVENT_TABLES: dict[str, Table] = {spec.table: _event_table(spec) for spec in EVENTS}

# The deployment a stream belongs to, with its manifest: reports read their parameters here.
deployment = Table(
    "indexer_deployment", metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("distributor", ADDRESS, primary_key=True),
    Column("manifest", Text, nullable=False),
)

# How far a stream (one deployment on one chain) is indexed; written in the same transaction as its rows.
checkpoint = Table(
    "indexer_checkpoint", metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("distributor", ADDRESS, primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", HASH, nullable=False),
    Column("head_block", BigInteger, nullable=False),  # the node's head when this was written
)

# The recent headers the indexer has seen, to find where a reorg forked.
block_header = Table(
    "indexer_block", metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("distributor", ADDRESS, primary_key=True),
    Column("number", BigInteger, primary_key=True),
    Column("hash", HASH, nullable=False),
    Column("parent_hash", HASH, nullable=False),
)
