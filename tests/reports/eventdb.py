"""The indexer's database, migrated and filled with hand-made events for report tests."""

from __future__ import annotations

from itertools import count

from sqlalchemy.engine import Connection, Engine

from indexer.db import migrate
from indexer.db.schema import EVENT_TABLES


def create(engine: Engine) -> None:
    migrate.upgrade(engine)


class Chain:
    """Appends events in chain order: one block per event, `block_time` chosen by the caller."""

    def __init__(self, conn: Connection, chain_id: int = 31337) -> None:
        self.conn = conn
        self.chain_id = chain_id
        self.blocks = count(1)

    def emit(self, table: str, contract: str, time: int, **fields) -> int:
        block = next(self.blocks)
        self.conn.execute(EVENT_TABLES[table].insert().values(
            chain_id=self.chain_id, block_number=block, block_hash=f"0x{block:064x}", block_time=time,
            tx_hash=f"0x{block:064x}", log_index=0, contract=contract, **fields,
        ))
        return block
