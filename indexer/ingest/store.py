"""Writes of one stream (a deployment on a chain): the commit protocol that makes indexing exactly-once.

A stream's state is its checkpoint row: the last indexed block's number and hash. Every write is one
transaction that moves the checkpoint from the value its writer last saw to a new one, compare-and-set:

- `commit(conn, stream, prev, batch, ...)` inserts a fetched range's rows and headers and moves the checkpoint
  from `prev` to the range's last block. The update matches only `WHERE block_number = prev.number AND
  block_hash = prev.hash` (with no row yet, `prev` is None and the row is inserted). If nothing matched, another
  writer moved the stream, or this writer's view is stale: `StaleCheckpoint` is raised and the whole
  transaction, rows included, is rolled back. So two writers can never both append the same range, whatever
  the locks did.
- `rollback(conn, stream, prev, ancestor, ...)` undoes everything above a fork and moves the checkpoint back to
  the newest block the node still agrees with, compare-and-set likewise.

How a reorg undoes a table is declared with the table (`info["rollback"]` in `indexer.db.schema`): an event log
deletes its rows above the fork; the stream's own state tables are moved by this protocol; a derived table
(a rollup, an allocation) must bring its own undo. `rollback` refuses a table that declares nothing, so a new
table cannot silently survive a reorg.

Around the protocol, the writer lock (`indexer.ingest.lock`) keeps a second daemon from even starting on a
stream, and its fence (run first inside every transaction, see `transact`) stops a writer that lost its lock;
the daemon's parent-hash check finds forks. The compare-and-set is what holds if either of those is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlalchemy.dialects import postgresql, sqlite

from indexer.chain.manifest import Manifest
from indexer.db.schema import (APPEND_ONLY, CONFIGURATION, EVENT_TABLES, LEDGER_TABLES, LOOKUP_INDEXES, STREAM_STATE,
                               block_header, checkpoint, deployment, metadata)
from indexer.errors import FlywheelError
from indexer.ingest.blocks import Batch, Checkpoint
from indexer.ingest.decode import addresses


class StaleCheckpoint(FlywheelError):
    """The stream's checkpoint is not the one this writer started from: nothing was written."""


@dataclass(frozen=True)
class Stream:
    chain_id: int
    distributor: str  # lower-case: the stream's name
    contracts: tuple[str, ...]  # lower-case addresses whose rows belong to it

    @classmethod
    def of(cls, manifest: Manifest) -> Stream:
        return cls(manifest.chain_id, manifest.contracts["reward_distributor"].lower(), tuple(addresses(manifest)))


# Run first inside every write transaction: raises if this process no longer holds the writer lock.
Fence = Callable[[Connection], None]


def _no_fence(conn: Connection) -> None:
    pass


def _upsert(conn: Connection, table, values: list[dict], keys: list[str]) -> None:
    if not values:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(values)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))


def _key(table, stream: Stream):
    return and_(table.c.chain_id == stream.chain_id, table.c.distributor == stream.distributor)


def register(engine: Engine, stream: Stream, manifest: Manifest) -> None:
    with engine.begin() as conn:
        _upsert(conn, deployment, [{"chain_id": stream.chain_id, "distributor": stream.distributor,
                                    "manifest": json.dumps(manifest.to_json())}], ["chain_id", "distributor"])


def load_checkpoint(conn: Connection, stream: Stream) -> Checkpoint | None:
    row = conn.execute(select(checkpoint.c.block_number, checkpoint.c.block_hash).where(_key(checkpoint, stream))).first()
    return Checkpoint(row[0], row[1]) if row else None


def window(conn: Connection, stream: Stream) -> list[tuple[int, str]]:
    """The remembered headers, newest first."""
    stmt = select(block_header.c.number, block_header.c.hash).where(_key(block_header, stream)).order_by(block_header.c.number.desc())
    return [(n, h) for n, h in conn.execute(stmt)]


def bulk_insert(conn: Connection, table: str, rows: list[tuple]) -> None:
    """Rows already in column order and in the backend's own types: COPY on PostgreSQL, executemany on SQLite.

    Both run on the connection's open transaction, so they commit or vanish with it.
    """
    columns = ", ".join(c.name for c in EVENT_TABLES[table].columns)
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(EVENT_TABLES[table].columns))
        dbapi.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


@contextmanager
def transact(engine: Engine, fence: Fence = _no_fence) -> Iterator[Connection]:
    """One write transaction of this writer: the fence first, then the caller's statements, committed together."""
    with engine.begin() as conn:
        fence(conn)
        yield conn


def _move(conn: Connection, stream: Stream, prev: Checkpoint | None, new: Checkpoint, head: int) -> None:
    """Compare-and-set the stream's checkpoint from `prev` (None: no row yet) to `new`."""
    values = {"block_number": new.number, "block_hash": new.hash, "head_block": head}
    if prev is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(checkpoint).values(chain_id=stream.chain_id, distributor=stream.distributor, **values))
        except IntegrityError:
            raise StaleCheckpoint(f"stream {stream.distributor} on chain {stream.chain_id} was started by another "
                                  "writer meanwhile: nothing written") from None
        return
    moved = conn.execute(update(checkpoint).where(_key(checkpoint, stream), checkpoint.c.block_number == prev.number,
                                                  checkpoint.c.block_hash == prev.hash).values(**values)).rowcount
    if moved != 1:
        raise StaleCheckpoint(f"stream {stream.distributor} on chain {stream.chain_id} is no longer at block "
                              f"{prev.number} ({prev.hash}): another writer moved it; nothing written")


def commit(conn: Connection, stream: Stream, prev: Checkpoint | None, batch: Batch, head: int, window_size: int) -> Checkpoint:
    """A fetched range's rows and headers, and the checkpoint moved from `prev` to its last block; returns that.

    The checkpoint moves first: on PostgreSQL its row lock then makes a second writer wait for this transaction
    and find the checkpoint gone from under it, before it has inserted anything."""
    end = batch.last
    _move(conn, stream, prev, end.checkpoint, head)
    for table, values in batch.rows.items():
        bulk_insert(conn, table, values)
    forget_revoked(conn, stream, batch.rows.get("root_revoked", []))
    keep = [h for h in batch.headers.values() if h.number > end.number - window_size]
    _upsert(conn, block_header, [{"chain_id": stream.chain_id, "distributor": stream.distributor, "number": h.number,
                                  "hash": h.hash, "parent_hash": h.parent_hash} for h in keep], ["chain_id", "distributor", "number"])
    conn.execute(delete(block_header).where(_key(block_header, stream), block_header.c.number <= end.number - window_size))
    return end.checkpoint


_REVOKED = [c.name for c in EVENT_TABLES["root_revoked"].columns]


def forget_revoked(conn: Connection, stream: Stream, rows: list[tuple]) -> int:
    """The ledger's rows of the roots these `RootRevoked` rows revoke: they go in the transaction that indexes the
    revocation, and the import brings the epoch back once it is finalized again."""
    removed = 0
    for row in rows:
        r = dict(zip(_REVOKED, row))
        if r["contract"] != stream.distributor:
            continue
        for table in LEDGER_TABLES:
            removed += conn.execute(delete(table).where(
                _key(table, stream), table.c.epoch == int(r["epoch"]), table.c.root == r["root"],
                table.c.block_number <= r["block_number"])).rowcount or 0
    return removed


def _undo_append_only(conn: Connection, stream: Stream, table, fork: int) -> int:
    result = conn.execute(delete(table).where(table.c.chain_id == stream.chain_id, table.c.contract.in_(stream.contracts),
                                              table.c.block_number > fork))
    return result.rowcount or 0


def rollback(conn: Connection, stream: Stream, prev: Checkpoint, ancestor: Checkpoint, head: int) -> int:
    """Undo every table above the fork at `ancestor` by its declared policy and move the checkpoint back there;
    returns the rows removed."""
    _move(conn, stream, prev, ancestor, head)
    removed = 0
    for table in metadata.sorted_tables:
        policy = table.info.get("rollback")
        if policy == APPEND_ONLY:
            removed += _undo_append_only(conn, stream, table, ancestor.number)
        elif callable(policy):
            removed += policy(conn, stream, ancestor.number)
        elif policy not in (STREAM_STATE, CONFIGURATION):
            raise FlywheelError(f"table {table.name} declares no rollback policy: a reorg cannot undo it")
    conn.execute(delete(block_header).where(_key(block_header, stream), block_header.c.number > ancestor.number))
    return removed


def lookups_missing(conn: Connection) -> bool:
    inspector = inspect(conn)
    return any(not inspector.has_index(ix.table.name, ix.name) for ix in LOOKUP_INDEXES)


def tables_empty(conn: Connection) -> bool:
    return not any(conn.execute(select(exists().select_from(t))).scalar() for t in EVENT_TABLES.values())


def drop_lookups(engine: Engine, fence: Fence = _no_fence) -> None:
    with transact(engine, fence) as conn:
        for index in LOOKUP_INDEXES:
            conn.execute(DropIndex(index, if_exists=True))


def build_lookups(engine: Engine, fence: Fence = _no_fence) -> None:
    """Create the lookup indexes that are missing; IF NOT EXISTS, as another daemon may be building them too."""
    with transact(engine, fence) as conn:
        for index in LOOKUP_INDEXES:
            conn.execute(CreateIndex(index, if_not_exists=True))
