"""The database users may query: one table per event, plus the indexer's own state.

Event tables are named after the event in snake_case and carry where the log
came from (`chain_id, block_number, block_hash, block_time, tx_hash,
log_index, contract`) and the event's fields in snake_case. Addresses are
lower-case hex, hashes and bytes32 values 0x-prefixed hex, block_time Unix
seconds. `(chain_id, tx_hash, log_index)` is unique: a log is stored once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from indexer.chain.build import build
from indexer.chain.system import EventLayout, layouts
from indexer.db.types import Uint256

metadata = MetaData()

ADDRESS = String(42)
HASH = String(66)


# Each stored event's fields come from the compiled ABI; only its table name and lookup columns are declared,
# in `indexer.chain.system`. The build is cached by source hash, so this costs a compile once per machine.
EVENTS: tuple[EventLayout, ...] = layouts({name: artifact.abi for name, artifact in build().items()})

_TYPES = {"address": ADDRESS, "bytes32": HASH}

# How a reorg undoes each table above the fork, read by `indexer.ingest.store.rollback` from `Table.info["rollback"]`.
# Every table declares one. A derived table (a rollup, an allocation) gives a function
# `(connection, stream, fork_block) -> rows removed` instead.
APPEND_ONLY = "append-only"  # an event log: its rows above the fork are deleted
STREAM_STATE = "stream state"  # the indexer's own state, which the commit protocol itself moves back
CONFIGURATION = "configuration"  # set by a person, not by the chain: a reorg leaves it as it is


# Indexes on account columns: random keys, so each insert lands on another page of them. The first
# backfill into empty tables drops them and builds them once at the head (`indexer.ingest.store`), so a
# migration that changes one of them must say IF EXISTS.
LOOKUP_INDEXES: list[Index] = []


def _event_table(spec: EventLayout) -> Table:
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
    table = Table(spec.table, metadata, *columns, UniqueConstraint("chain_id", "tx_hash", "log_index", name=f"uq_{spec.table}_log"),
                  info={"rollback": APPEND_ONLY})
    Index(f"ix_{spec.table}_block", table.c.chain_id, table.c.block_number)
    kinds = {f.name: f.kind for f in spec.fields}
    for name in spec.lookups:
        index = Index(f"ix_{spec.table}_{name}", table.c[name])
        if kinds[name] == "address":
            LOOKUP_INDEXES.append(index)
    return table


EVENT_TABLES: dict[str, Table] = {spec.table: _event_table(spec) for spec in EVENTS}

# The deployment a stream belongs to, with its manifest: reports read their parameters here.
def _stream_state(name: str, *columns: Column) -> Table:
    """A table of the indexer's own state, keyed by stream (a deployment's distributor on a chain)."""
    return Table(name, metadata, Column("chain_id", BigInteger, primary_key=True),
                 Column("distributor", ADDRESS, primary_key=True), *columns, info={"rollback": STREAM_STATE})


deployment = _stream_state("indexer_deployment", Column("manifest", Text, nullable=False))

# How far a stream (one deployment on one chain) is indexed; written in the same transaction as its rows.
checkpoint = _stream_state(
    "indexer_checkpoint",
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", HASH, nullable=False),
    Column("head_block", BigInteger, nullable=False),  # the node's head when this was written
)

# The recent headers the indexer has seen, to find where a reorg forked.
block_header = _stream_state(
    "indexer_block",
    Column("number", BigInteger, primary_key=True),
    Column("hash", HASH, nullable=False),
    Column("parent_hash", HASH, nullable=False),
)

# Accounts the demand screen never treats as suspect (exchanges, OTC desks, a treasury): configuration
# kept in the database, not passed per report, so state precomputed from it and every reader agree.
# Replaced whole by `flywheel db allow FILE`. Addresses are lower-case.
allowed_account = Table(
    "allowed_account", metadata,
    Column("account", ADDRESS, primary_key=True),
    Column("note", Text, nullable=False, default=""),
    info={"rollback": CONFIGURATION},
)



# --- the settlement ledger: what each account earned, per epoch, from the settlement store's trees ---------
#
# Derived from `epoch_finalized` and the store's files (`indexer.ingest.ledger`), never from the chain alone: a
# root is a hash, and what it commits to lives off chain. Each row remembers the root it was checked against
# and the block of the `EpochFinalized` log it follows, so a reorg below that block removes it and a revoked
# root's rows can be told from the re-finalized one's.


def _undo_ledger(table: Table):
    def undo(conn, stream, fork: int) -> int:
        """A reorg takes the rows whose `EpochFinalized` log it removed; the import brings them back once the
        log is indexed again."""
        result = conn.execute(table.delete().where(table.c.chain_id == stream.chain_id,
                                                   table.c.distributor == stream.distributor,
                                                   table.c.block_number > fork))
        return result.rowcount or 0
    return undo


def _ledger_table(name: str, key: str, key_type, *columns: Column) -> Table:
    table = Table(
        name, metadata,
        Column("chain_id", BigInteger, primary_key=True),
        Column("distributor", ADDRESS, primary_key=True),
        Column("epoch", BigInteger, primary_key=True),
        Column(key, key_type, primary_key=True),
        *columns,
        Column("root", HASH, nullable=False),  # the epoch's root these rows were checked against
        Column("block_number", BigInteger, nullable=False),  # the block of the epoch's EpochFinalized log
    )
    table.info["rollback"] = _undo_ledger(table)
    Index(f"ix_{name}_block", table.c.chain_id, table.c.distributor, table.c.block_number)
    return table


# One row per account with work in an epoch: its share of the epoch's totals, and its entitlements after it.
allocation = _ledger_table(
    "allocation", "account", ADDRESS,
    Column("work_units", Uint256(), nullable=False),
    Column("subsidy", Uint256(), nullable=False),  # network-token base units allocated in this epoch
    Column("revenue", Uint256(), nullable=False),  # payment-token base units allocated in this epoch
    Column("cumulative_subsidy", Uint256(), nullable=False),  # the account's entitlements after this epoch
    Column("cumulative_revenue", Uint256(), nullable=False),
)
Index("ix_allocation_account", allocation.c.account)

# One row per node that reported work in an epoch, when the epoch's work file names nodes.
node_work = _ledger_table(
    "node_work", "node_id", HASH,
    Column("owner", ADDRESS, nullable=False),
    Column("work_units", Uint256(), nullable=False),
)

LEDGER_TABLES = (allocation, node_work)
