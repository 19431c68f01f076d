"""A migrated SQLite database with one deployment and rows at the edges of every unit, for the view and README tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from indexer.db import engine as engines, migrate
from indexer.db.schema import EVENT_TABLES

CHAIN = 31337
GATEWAY, DISTRIBUTOR = "0x" + "a1" * 20, "0x" + "d1" * 20
NETWORK_TOKEN, PAYMENT_TOKEN, STRANGER = "0x" + "e1" * 20, "0x" + "f1" * 20, "0x" + "99" * 20
PAYMENT_DECIMALS = 6
EDGES = [0, 1, 10**6 - 1, 10**6, 10**6 + 1, 10**18 - 1, 10**18, 10**18 + 1, 123 * 10**18 + 45, 2**63 - 1, 2**63, 2**64,
         2**64 + 1, 10**40, 2**256 - 1]


def _manifest() -> str:
    # Checksummed in the manifest as `flywheel deploy` writes it; the event rows have them lower-case.
    upper = {"payment_gateway": GATEWAY, "reward_distributor": DISTRIBUTOR, "network_token": NETWORK_TOKEN,
             "payment_token": PAYMENT_TOKEN}
    return json.dumps({"chain_id": CHAIN, "payment_decimals": PAYMENT_DECIMALS,
                       "contracts": {k: v[:2] + v[2:].upper() for k, v in upper.items()}})


def _row(i: int, contract: str, **fields: object) -> dict:
    return {"chain_id": CHAIN, "block_number": i, "block_hash": "0x" + "00" * 32, "block_time": 1_700_000_000 + i,
            "tx_hash": f"0x{i:064x}", "log_index": 0, "contract": contract, **fields}


def _insert(conn, table: str, row: dict) -> None:
    conn.execute(EVENT_TABLES[table].insert().values(**row))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A migrated SQLite file with one deployment and rows at the edges of every unit."""
    path = tmp_path / "v.db"
    engine = engines.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO indexer_deployment VALUES (:c, :d, :m)"), {"c": CHAIN, "d": DISTRIBUTOR, "m": _manifest()})
        for i, v in enumerate(EDGES):
            _insert(conn, "epoch_finalized", _row(i, DISTRIBUTOR, epoch=[0, 1, 9, 10, 51][i % 5] + 100 * (i // 5),
                    root="0x" + "00" * 32, subsidy=v, revenue=v, work_units=i, contributors=i, price=v))
            _insert(conn, "transfer", _row(100 + i, NETWORK_TOKEN, sender=STRANGER, receiver=STRANGER, value=v))
            _insert(conn, "transfer", _row(200 + i, PAYMENT_TOKEN, sender=STRANGER, receiver=STRANGER, value=v))
        _insert(conn, "transfer", _row(300, STRANGER, sender=STRANGER, receiver=STRANGER, value=5))
        for i, v in enumerate(EDGES[:9]):
            _insert(conn, "payment_received", _row(500 + i, GATEWAY, customer=[STRANGER, GATEWAY][i % 2], epoch=i,
                                                   amount=v, fee=v // 20, reference="0x" + "00" * 32))
            _insert(conn, "reward_claimed", _row(600 + i, DISTRIBUTOR, account=STRANGER, subsidy=v, revenue=v))
        _insert(conn, "node_registered", _row(400, STRANGER, owner=STRANGER, node_id="0x" + "00" * 32,
                                              epoch=2**63))
    engine.dispose()
    return path
