"""What the chain says, read independently of the indexer (web3's own ABI decoding), to compare with the database."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.engine import Engine
from web3 import Web3

from indexer.chain.build import build
from indexer.chain.manifest import Manifest
from indexer.chain.system import SOURCE
from indexer.db.schema import EVENT_TABLES, EVENTS



def _norm(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x"):
        return value.lower()
    return str(value)


def chain_rows(w3: Web3, m: Manifest, to_block: int | str = "latest") -> dict[str, list[tuple]]:
    """Every event of the deployment, per table, as sorted tuples of (tx, log index, block, fields...)."""
    artifacts = build()
    out: dict[str, list[tuple]] = {spec.table: [] for spec in EVENTS}
    for spec in EVENTS:
        for key in spec.source:
            contract = w3.eth.contract(address=m.contracts[key], abi=artifacts[SOURCE[key]].abi)
            event = getattr(contract.events, spec.event)
            for log in event.get_logs(from_block=m.deploy_block, to_block=to_block):
                fields = tuple(_norm(log["args"][f.name]) for f in spec.fields)
                out[spec.table].append((_norm(log["transactionHash"]), log["logIndex"], log["blockNumber"],
                                        _norm(log["blockHash"]), _norm(log["address"]), *fields))
    return {t: sorted(rows) for t, rows in out.items()}


def db_rows(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for spec in EVENTS:
            t = EVENT_TABLES[spec.table]
            cols = [t.c.tx_hash, t.c.log_index, t.c.block_number, t.c.block_hash, t.c.contract] + [t.c[f.name] for f in spec.fields]
            out[spec.table] = sorted(tuple(_norm(v) if i != 1 and i != 2 else v for i, v in enumerate(row)) for row in conn.execute(select(*cols)))
    return out


def digest(rows: dict[str, list[tuple]]) -> dict[str, tuple[int, str]]:
    """Count and checksum per table."""
    return {t: (len(r), hashlib.sha256(repr(r).encode()).hexdigest()[:16]) for t, r in rows.items()}
