"""A database shaped like the spec's event tables, filled with hand-made events for report tests."""

from __future__ import annotations

from itertools import count

from sqlalchemy import BigInteger, Column, Integer, MetaData, Numeric, String, Table, TypeDecorator
from sqlalchemy.engine import Connection


class Uint256(TypeDecorator):
    """NUMERIC(78,0) on PostgreSQL; decimal text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Numeric(78, 0) if dialect.name == "postgresql" else String(78))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(value) if dialect.name == "postgresql" else str(int(value))

    def process_result_value(self, value, dialect):
        return None if value is None else int(value)


FIELDS = {
    "payment_received": [("customer", String(42)), ("epoch", Uint256()), ("amount", Uint256()), ("fee", Uint256()), ("reference", String(66))],
    "epoch_finalized": [("epoch", Uint256()), ("root", String(66)), ("subsidy", Uint256()), ("revenue", Uint256()),
                        ("work_units", Uint256()), ("contributors", Uint256()), ("price", Uint256())],
    "reward_claimed": [("account", String(42)), ("subsidy", Uint256()), ("revenue", Uint256())],
    "root_revoked": [("epoch", Uint256()), ("root", String(66))],
    "node_registered": [("owner", String(42)), ("node_id", String(66)), ("epoch", Uint256())],
    "node_retired": [("owner", String(42)), ("node_id", String(66)), ("epoch", Uint256())],
    "price_updated": [("epoch", Uint256()), ("price", Uint256())],
    "transfer": [("sender", String(42)), ("receiver", String(42)), ("value", Uint256())],
}


def metadata() -> MetaData:
    meta = MetaData()
    for name, fields in FIELDS.items():
        Table(
            name, meta,
            Column("chain_id", BigInteger, nullable=False), Column("block_number", BigInteger, nullable=False),
            Column("block_hash", String(66), nullable=False), Column("block_time", BigInteger, nullable=False),
            Column("tx_hash", String(66), nullable=False), Column("log_index", Integer, nullable=False),
            Column("contract", String(42), nullable=False),
            *[Column(n, t) for n, t in fields],
        )
    return meta


class Chain:
    """Appends events in chain order: one block per event, `block_time` chosen by the caller."""

    def __init__(self, conn: Connection, meta: MetaData, chain_id: int = 31337) -> None:
        self.conn = conn
        self.meta = meta
        self.chain_id = chain_id
        self.blocks = count(1)

    def emit(self, table: str, contract: str, time: int, **fields) -> int:
        block = next(self.blocks)
        self.conn.execute(self.meta.tables[table].insert().values(
            chain_id=self.chain_id, block_number=block, block_hash=f"0x{block:064x}", block_time=time,
            tx_hash=f"0x{block:064x}", log_index=0, contract=contract, **fields,
        ))
        return block
