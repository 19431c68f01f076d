"""Writes of one stream (a deployment on a chain): rows, headers and checkpoint, each change one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, inspect, select
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from indexer.chain.manifest import Manifest
from indexer.db.schema import EVENT_TABLES, EVENTS, LOOKUP_INDEXES, block_header, checkpoint, deployment


@dataclass(frozen=True)
class Stream:
    chain_id: int
    distributor: str  # lower-case: the stream's name
    contracts: tuple[str, ...]  # lower-case addresses whose rows belong to it

    @classmethod
    def of(cls, manifest: Manifest) -> Stream:
        addresses = {manifest.contracts[key].lower() for spec in EVENTS for key in spec.source}
        return cls(manifest.chain_id, manifest.contracts["reward_distributor"].lower(), tuple(sorted(addresses)))


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    time: int = 0


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


def load_checkpoint(conn: Connection, stream: Stream) -> tuple[int, str] | None:
    row = conn.execute(select(checkpoint.c.block_number, checkpoint.c.block_hash).where(_key(checkpoint, stream))).first()
    return (row[0], row[1]) if row else None


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


def commit_range(engine: Engine, stream: Stream, rows: dict[str, list[tuple]], headers: list[Header], end: Header,
                 head: int, window_size: int, fence: Fence = _no_fence) -> None:
    """The range's rows, its headers and the new checkpoint, all or nothing."""
    with engine.begin() as conn:
        fence(conn)
        for table, values in rows.items():
            bulk_insert(conn, table, values)
        keep = [h for h in headers if h.number > end.number - window_size]
        _upsert(conn, block_header, [{"chain_id": stream.chain_id, "distributor": stream.distributor, "number": h.number,
                                      "hash": h.hash, "parent_hash": h.parent_hash} for h in keep], ["chain_id", "distributor", "number"])
        conn.execute(delete(block_header).where(_key(block_header, stream), block_header.c.number <= end.number - window_size))
        _upsert(conn, checkpoint, [{"chain_id": stream.chain_id, "distributor": stream.distributor, "block_number": end.number,
                                    "block_hash": end.hash, "head_block": head}], ["chain_id", "distributor"])


def rollback(engine: Engine, stream: Stream, ancestor: tuple[int, str], head: int, fence: Fence = _no_fence) -> int:
    """Forget everything above the fork point; returns the rows removed."""
    number, block_hash = ancestor
    removed = 0
    with engine.begin() as conn:
        fence(conn)
        for table in EVENT_TABLES.values():
            result = conn.execute(delete(table).where(table.c.chain_id == stream.chain_id, table.c.contract.in_(stream.contracts),
                                                      table.c.block_number > number))
            removed += result.rowcount or 0
        conn.execute(delete(block_header).where(_key(block_header, stream), block_header.c.number > number))
        _upsert(conn, checkpoint, [{"chain_id": stream.chain_id, "distributor": stream.distributor, "block_number": number,
                                    "block_hash": block_hash, "head_block": head}], ["chain_id", "distributor"])
    return removed


def lookups_missing(conn: Connection) -> bool:
    inspector = inspect(conn)
    return any(not inspector.has_index(ix.table.name, ix.name) for ix in LOOKUP_INDEXES)


def tables_empty(conn: Connection) -> bool:
    return not any(conn.execute(select(exists().select_from(t))).scalar() for t in EVENT_TABLES.values())


def drop_lookups(engine: Engine, fence: Fence = _no_fence) -> None:
    with engine.begin() as conn:
        fence(conn)
        for index in LOOKUP_INDEXES:
            conn.execute(DropIndex(index, if_exists=True))


def build_lookups(engine: Engine, fence: Fence = _no_fence) -> None:
    """Create the lookup indexes that are missing; IF NOT EXISTS, as another daemon may be building them too."""
    with engine.begin() as conn:
        fence(conn)
        for index in LOOKUP_INDEXES:
            conn.execute(CreateIndex(index, if_not_exists=True))
