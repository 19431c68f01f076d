"""Real-yield report speed over a large database, measured in one run.

Builds a SQLite (or, with --database-url, any) database through the
indexer's own schema and bulk writer with synthetic events: N payments spread
over the epochs, plus finalizations, nodes, claims and transfers, then times
the real-yield and demand reports as JSON.

    .venv/bin/python scripts/bench_reports.py [--payments 1000000] [--epochs 200]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from indexer.db import migrate
from indexer.db.engine import make_engine
from indexer.ingest.store import bulk_insert
from indexer.reports import build, demand as demands
from indexer.reports.queries import DeploymentInfo

GENESIS, LENGTH = 1_700_000_000, 3600
CONTRACTS = {k: f"0x{i:040x}" for i, k in enumerate(
    ["reward_distributor", "payment_gateway", "node_registry", "network_token", "payment_token", "price_feed"], start=0xd1)}


def rows(table_columns: int, make, count: int) -> list[tuple]:
    return [make(i) for i in range(count)]


def fill(engine, payments: int, epochs: int, customers: int, contributors: int) -> None:
    rng = random.Random(1)
    wide = engine.dialect.name != "postgresql"
    u = (lambda v: str(v)) if wide else (lambda v: v)
    block = iter(range(1, 10**9))
    gate, dist, reg, tok, usd = (CONTRACTS[k] for k in ("payment_gateway", "reward_distributor", "node_registry", "network_token", "payment_token"))

    def base(epoch: int, contract: str, i: int) -> tuple:
        n = next(block)
        return (31337, n, f"0x{n:064x}", GENESIS + epoch * LENGTH + 10, f"0x{n:064x}{i:02x}"[:66], i % 100, contract)

    with engine.begin() as conn:
        per_epoch = payments // epochs
        batch = []
        for e in range(epochs):
            for k in range(per_epoch):
                amount = rng.randrange(10**6, 10**10)
                batch.append(base(e, gate, k) + (f"0x{rng.randrange(customers):040x}", u(e), u(amount), u(amount // 20), "0x" + "00" * 32))
            if len(batch) >= 200_000:
                bulk_insert(conn, "payment_received", batch)
                batch = []
        bulk_insert(conn, "payment_received", batch)
        bulk_insert(conn, "epoch_finalized", [base(e, dist, 0) + (u(e), "0x" + "ab" * 32, u(10**23), u(10**11), u(1000), u(100), u(50_000_000))
                                              for e in range(epochs)])
        bulk_insert(conn, "node_registered", [base(i % epochs, reg, 0) + (f"0x{(10**6 + i):040x}", f"0x{i:064x}", u(i % epochs))
                                              for i in range(contributors)])
        bulk_insert(conn, "reward_claimed", [base(i % epochs, dist, 1) + (f"0x{(10**6 + i % contributors):040x}", u(10**21), u(10**7))
                                             for i in range(contributors * 5)])
        bulk_insert(conn, "transfer", [base(i % epochs, tok, 2) + ("0x" + "00" * 20, f"0x{(10**6 + i % contributors):040x}", u(10**21))
                                       for i in range(contributors * 5)]
                    + [base(i % epochs, usd, 3) + (f"0x{(10**6 + i):040x}", f"0x{(2 * 10**6 + i):040x}", u(10**9)) for i in range(50)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='flywheel-bench-')) / 'reports.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    began = time.perf_counter()
    fill(engine, args.payments, args.epochs, customers=5_000, contributors=2_000)
    print(f"database: {args.payments:,} payments over {args.epochs} epochs, written in {time.perf_counter() - began:.1f} s")
    info = DeploymentInfo(31337, GENESIS, LENGTH, 6, CONTRACTS)
    for name, make in (("real-yield per epoch", lambda c: build.real_yield(c, info, "epoch")),
                       ("real-yield per week", lambda c: build.real_yield(c, info, "week")),
                       ("demand per epoch", lambda c: demands.demand(c, info, "epoch"))):
        timings = []
        for _ in range(3):
            with engine.connect() as conn:
                began = time.perf_counter()
                text = json.dumps(make(conn).finished(info.payment_decimals).to_json())
                timings.append(time.perf_counter() - began)
        print(f"{name:<24} JSON in {min(timings):.3f} s (best of 3; {len(text):,} bytes)")


if __name__ == "__main__":
    main()
