"""Backfill speed against its floor, measured in one run on a real anvil.

Generates a network of about 200,000 events on a fresh anvil (the simulator:
real transactions, batched many to a block, so `eth_getLogs` returns real
data), then reads the same blocks, with the same blocks per request, three ways:
  floor    - plain eth_getLogs over one requests session plus orjson parsing, nothing else
  sqlite   - the indexer's backfill (`index run --once` without process start-up) into a fresh SQLite file
  postgres - the same into a fresh PostgreSQL database on FLYWHEEL_TEST_DATABASE_URL's server
Each is run `--repeat` times and the median printed, with events/s and the ratio to the floor
(the floor's time over the reader's, for the same blocks). The backfill time includes building the
account indexes it defers.

    .venv/bin/python scripts/bench_ingest.py [--contributors 2200] [--customers 750] [--epochs 52] [--range 16]

With `--rss`, it measures memory instead: peak RSS of a child `flywheel index run --once` process at its
default settings, into a fresh SQLite file, over the whole chain and over the prefix of it that holds about
`--small-events` events (the run stops there by `--confirmations`, which leaves every other setting as it
is), printed as `name=value` lines. `--state FILE` keeps the generated chain (anvil's state and the
manifest beside it) and loads it on the next run instead of simulating again:

    .venv/bin/python scripts/bench_ingest.py --rss --contributors 10000 --customers 3500 --state /tmp/chain.json
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from indexer.chain import anvil
from indexer.chain.manifest import Manifest, load
from indexer.db import migrate
from indexer.db.engine import make_engine
from indexer.db.schema import EVENT_TABLES
from indexer.chain.rpc import NodeClient
from indexer.ingest.config import IndexerConfig
from indexer.ingest.daemon import Indexer
from indexer.ingest.decode import addresses
from indexer.ingest.progress import BackfillProgress

PG = os.environ.get("FLYWHEEL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def floor(url: str, addrs: list[str], start: int, end: int, span: int) -> tuple[int, float]:
    """Logs read and seconds taken by the plainest reader there is."""
    session = requests.Session()
    events, began = 0, time.perf_counter()
    for lo in range(start, end + 1, span):
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs",
                "params": [{"fromBlock": hex(lo), "toBlock": hex(min(end, lo + span - 1)), "address": addrs}]}
        reply = session.post(url, data=orjson.dumps(body), headers={"Content-Type": "application/json"})
        events += len(orjson.loads(reply.content)["result"])
    return events, time.perf_counter() - began


def backfill(url: str, manifest_path: Path, database_url: str, span: int) -> tuple[int, float]:
    """Rows written and seconds taken by the indexer's backfill into a fresh database."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    config = IndexerConfig(batch_blocks=span, max_batch_blocks=span)
    indexer = Indexer(config, load(manifest_path), engine, NodeClient(url), log=lambda _: None,
                      progress=BackfillProgress(lambda _: None, tty=False))
    began = time.perf_counter()
    indexer.run(once=True)
    elapsed = time.perf_counter() - began
    with engine.connect() as conn:
        rows = sum(conn.execute(select(func.count()).select_from(t)).scalar() for t in EVENT_TABLES.values())
    engine.dispose()
    return rows, elapsed


@contextmanager
def fresh_postgres() -> Iterator[str]:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"flywheel_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def into_sqlite(url: str, manifest_path: Path, work: Path, span: int) -> tuple[int, float]:
    path = work / f"bench-{uuid.uuid4().hex[:8]}.db"
    try:
        return backfill(url, manifest_path, f"sqlite:///{path}", span)
    finally:
        for leftover in work.glob(f"{path.name}*"):
            leftover.unlink()


def into_postgres(url: str, manifest_path: Path, span: int) -> tuple[int, float]:
    with fresh_postgres() as database_url:
        return backfill(url, manifest_path, database_url, span)


def median_of(repeat: int, run: Callable[[], tuple[int, float]]) -> tuple[int, float]:
    results = [run() for _ in range(repeat)]
    return results[0][0], statistics.median(seconds for _, seconds in results)


def generate(url: str, work: Path, args: argparse.Namespace) -> tuple[Manifest, Path, float]:
    """Deploy and simulate through the command line, in child processes: the network's Python objects stay
    out of this process, whose garbage collector would otherwise walk them during every measured backfill."""
    flywheel = str(Path(sys.executable).parent / "flywheel")
    manifest_path, scenario = work / "deployment.json", work / "scenario.toml"
    scenario.write_text(f"contributors = {args.contributors}\ncustomers = {args.customers}\ninitial_contributors = 20\n")
    began = time.perf_counter()
    subprocess.run([flywheel, "deploy", "--rpc-url", url, "--out", str(manifest_path)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([flywheel, "simulate", "--rpc-url", url, "--deployment", str(manifest_path), "--epochs", str(args.epochs),
                    "--seed", "1", "--scenario", str(scenario)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return load(manifest_path), manifest_path, time.perf_counter() - began


def peak_rss(url: str, manifest_path: Path, work: Path, behind: int) -> tuple[int, float, int]:
    """Rows, seconds and peak RSS in bytes of a child `index run --once` into a fresh SQLite file, stopping `behind`
    blocks short of the head."""
    flywheel = str(Path(sys.executable).parent / "flywheel")
    path = work / f"rss-{uuid.uuid4().hex[:8]}.db"
    began = time.perf_counter()
    child = subprocess.Popen([flywheel, "index", "run", "--once", "--rpc-url", url, "--deployment", str(manifest_path),
                              "--database-url", f"sqlite:///{path}", "--confirmations", str(behind)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"index run failed: {child.stderr.read().decode(errors='replace')[-500:] if child.stderr else ''}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = sum(conn.execute(select(func.count()).select_from(t)).scalar() for t in EVENT_TABLES.values())
    engine.dispose()
    for leftover in work.glob(f"{path.name}*"):
        leftover.unlink()
    return rows, elapsed, usage.ru_maxrss * 1024  # Linux reports kilobytes


def prefix_end(url: str, addrs: list[str], start: int, head: int, events: int) -> int:
    """The first block by which the chain holds at least `events` logs of the deployment (else the head)."""
    client, seen = NodeClient(url), 0
    for number in range(start, head + 1):
        seen += len(client.call("eth_getLogs", {"fromBlock": hex(number), "toBlock": hex(number), "address": addrs}))
        if seen >= events:
            return number
    return head


def memory(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-"))
    os.environ.setdefault("FLYWHEEL_HOME", str(work / "home"))
    (work / "home").mkdir(exist_ok=True)
    state = Path(args.state) if args.state else None
    saved = state is not None and state.exists()
    extra = ("--gas-limit", "100000000") + (("--load-state", str(state)) if saved else ("--dump-state", str(state)) if state else ())
    port = free_port()
    chain = anvil.start(port, extra)
    try:
        if saved:
            manifest_path, generated = state.with_suffix(".deployment.json"), 0.0
            manifest = load(manifest_path)
        else:
            manifest, manifest_path, generated = generate(chain.url, work, args)
            if state is not None:
                state.with_suffix(".deployment.json").write_text(manifest_path.read_text())
        head = int(NodeClient(chain.url).call("eth_blockNumber"), 16)
        small_end = prefix_end(chain.url, addresses(manifest), manifest.deploy_block, head, args.small_events)
        peak_rss(chain.url, manifest_path, work, head - manifest.deploy_block)  # warm-up: the first run fills the build cache
        results = {"small": peak_rss(chain.url, manifest_path, work, head - small_end),
                   "large": peak_rss(chain.url, manifest_path, work, 0)}
    finally:
        anvil.stop(port)
    print(f"generated_s={generated:.0f}")
    print(f"blocks={head - manifest.deploy_block + 1}")
    for name, (rows, seconds, rss) in results.items():
        print(f"rss.sqlite.{name}.events={rows}")
        print(f"rss.sqlite.{name}.seconds={seconds:.1f}")
        print(f"rss.sqlite.{name}.events_per_s={rows / seconds:.0f}")
        print(f"rss.sqlite.{name}.peak_rss_mb={rss / 2**20:.0f}")
    print(f"rss.sqlite.large_vs_small={results['large'][2] / results['small'][2]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributors", type=int, default=2200)
    parser.add_argument("--customers", type=int, default=750)
    parser.add_argument("--epochs", type=int, default=52)
    parser.add_argument("--range", type=int, default=16, help="blocks per eth_getLogs, the same for every reader")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each reader; the median is printed")
    parser.add_argument("--rss", action="store_true", help="measure the peak RSS of `index run --once` at two sizes instead")
    parser.add_argument("--small-events", type=int, default=200_000, help="with --rss: events in the smaller run")
    parser.add_argument("--state", help="with --rss: anvil state file to load the chain from, or to save it to")
    args = parser.parse_args()
    if args.rss:
        memory(args)
        return

    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-"))
    os.environ.setdefault("FLYWHEEL_HOME", str(work / "home"))
    (work / "home").mkdir(exist_ok=True)
    port = free_port()
    chain = anvil.start(port, ("--gas-limit", "100000000"))
    try:
        manifest, manifest_path, generated = generate(chain.url, work, args)
        head = int(NodeClient(chain.url).call("eth_blockNumber"), 16)
        span, addrs = args.range, addresses(manifest)
        logs, floor_s = median_of(args.repeat, lambda: floor(chain.url, addrs, manifest.deploy_block, head, span))
        sqlite_rows, sqlite_s = median_of(args.repeat, lambda: into_sqlite(chain.url, manifest_path, work, span))
        pg_rows, pg_s = median_of(args.repeat, lambda: into_postgres(chain.url, manifest_path, span))
    finally:
        anvil.stop(port)

    print(f"network: {logs} logs ({sqlite_rows} of them Flywheel events) in {head - manifest.deploy_block + 1} blocks, "
          f"generated in {generated:.0f} s; {span} blocks per eth_getLogs; median of {args.repeat} runs")
    print(f"{'reader':<30}{'rows':>9}{'seconds':>9}{'events/s':>11}{'vs floor':>10}")
    for label, rows, seconds in (("floor: eth_getLogs + orjson", logs, floor_s), ("backfill into SQLite", sqlite_rows, sqlite_s),
                                 ("backfill into PostgreSQL", pg_rows, pg_s)):
        print(f"{label:<30}{rows:>9}{seconds:>9.2f}{rows / seconds:>11,.0f}{floor_s / seconds:>10.2f}")


if __name__ == "__main__":
    main()
