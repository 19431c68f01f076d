"""Backfill speed against its floor, measured in one run on a real anvil.

Generates a network with about 200,000 events (the simulator, real
transactions), then reads the same block ranges three ways:
  floor   - plain eth_getLogs over one HTTP session plus orjson parsing, nothing else
  sqlite  - `flywheel index run --once` into a fresh SQLite file
  postgres- the same into a fresh PostgreSQL database (FLYWHEEL_TEST_DATABASE_URL's server)
and prints events/s and each backfill's ratio to the floor.

    .venv/bin/python scripts/bench_ingest.py [--contributors 1200] [--customers 400] [--epochs 52] [--range 32]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import orjson
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from indexer.chain import anvil
from indexer.chain.deploy import deploy
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.cli.sim_cmd import run_simulation
from indexer.db import migrate
from indexer.db.engine import make_engine
from indexer.ingest.client import NodeClient
from indexer.ingest.config import IndexerConfig
from indexer.ingest.daemon import Indexer
from indexer.ingest.decode import addresses
from indexer.ingest.progress import BackfillProgress
from indexer.chain.manifest import load
from indexer.sim.scenario import Scenario

PG = os.environ.get("FLYWHEEL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def floor(url: str, addrs: list[str], start: int, end: int, span: int) -> tuple[int, float]:
    session = requests.Session()
    events, began = 0, time.perf_counter()
    for lo in range(start, end + 1, span):
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs",
                "params": [{"fromBlock": hex(lo), "toBlock": hex(min(end, lo + span - 1)), "address": addrs}]}
        reply = session.post(url, data=orjson.dumps(body), headers={"Content-Type": "application/json"})
        events += len(orjson.loads(reply.content)["result"])
    return events, time.perf_counter() - began


def backfill(url: str, manifest_path: Path, database_url: str, span: int) -> float:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    config = replace(IndexerConfig(), batch_blocks=span, max_batch_blocks=span)
    indexer = Indexer(config, load(manifest_path), engine, NodeClient(url), log=lambda _: None,
                      progress=BackfillProgress(lambda _: None, tty=False))
    began = time.perf_counter()
    indexer.run(once=True)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributors", type=int, default=1200)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=52)
    parser.add_argument("--range", type=int, default=32, help="blocks per eth_getLogs, the same for every reader")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-"))
    os.environ.setdefault("FLYWHEEL_HOME", str(work / "home"))
    port = free_port()
    chain = anvil.start(port, ("--gas-limit", "100000000"))
    try:
        w3, chain_id = connect(chain.url)
        manifest = deploy(w3, chain_id, Params())
        manifest_path = work / "deployment.json"
        manifest_path.write_text(json.dumps(manifest.to_json()))
        began = time.perf_counter()
        scenario = Scenario(contributors=args.contributors, customers=args.customers, initial_contributors=20)
        run_simulation(chain.url, manifest_path, args.epochs, 1, scenario, None)
        generated = time.perf_counter() - began
        head = w3.eth.block_number
        addrs = addresses(manifest)

        events, floor_s = floor(chain.url, addrs, manifest.deploy_block, head, args.range)
        sqlite_s = backfill(chain.url, manifest_path, f"sqlite:///{work / 'bench.db'}", args.range)
        admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        name = f"flywheel_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            pg_s = backfill(chain.url, manifest_path, make_url(PG).set(database=name).render_as_string(hide_password=False), args.range)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        anvil.stop(port)

    print(f"network: {events} events in {head - manifest.deploy_block + 1} blocks, generated in {generated:.1f} s; "
          f"{args.range} blocks per eth_getLogs")
    print(f"{'reader':<28}{'seconds':>10}{'events/s':>12}{'vs floor':>10}")
    rows = [("floor: eth_getLogs + orjson", floor_s), ("backfill into SQLite", sqlite_s), ("backfill into PostgreSQL", pg_s)]
    for label, seconds in rows:
        print(f"{label:<28}{seconds:>10.2f}{events / seconds:>12,.0f}{floor_s / seconds:>10.2f}")


if __name__ == "__main__":
    main()
