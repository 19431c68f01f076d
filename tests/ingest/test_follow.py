"""Following the head: reorgs rolled back, deep reorgs stop loudly, flaky nodes lose nothing, one writer only."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from indexer.chain.accounts import dev_account
from indexer.chain.manifest import load
from indexer.chain.wallet import Encoder
from indexer.chain.build import build
from indexer.db import migrate
from indexer.db.engine import make_engine
from indexer.db.schema import checkpoint
from indexer.errors import FlywheelError
from indexer.chain.rpc import NodeClient
from indexer.ingest.config import IndexerConfig
from indexer.ingest.daemon import Indexer, ReorgTooDeep
from indexer.ingest import store
from indexer.ingest.blocks import Batch, Header
from indexer.ingest.lock import LockLost, WriterLock
from indexer.ingest.store import Stream
from tests.ingest.chainview import chain_rows, db_rows
from tests.ingest.conftest import Busy
from tests.ingest.faults import FaultyProxy
from tests.helpers import assert_one_line_error, run


def make_indexer(busy: Busy, database_url: str, url: str | None = None, client: NodeClient | None = None, **settings) -> Indexer:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    config = IndexerConfig(poll_interval=0.05, **settings)
    manifest = load(busy.manifest_path)
    return Indexer(config, manifest, engine, client or NodeClient(url or busy.url), log=lambda _: None)


def _hash(busy: Busy, block: str = "latest") -> str:
    return busy.deployed.w3.eth.get_block(block)["hash"].to_0x_hex()


def wait_until_at(indexer: Indexer, busy: Busy, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with indexer.engine.connect() as conn:
            row = conn.execute(select(checkpoint.c.block_hash)).first()
        if row and row[0] == _hash(busy):
            return
        time.sleep(0.05)
    raise AssertionError("the indexer did not reach the head in time")


def _tx(busy: Busy, sender: int, contract: str, abi_name: str, fn: str, *args) -> dict:
    data = Encoder(build()[abi_name].abi)(fn, *args)
    return {"from": dev_account(sender).address, "to": busy.deployed.manifest.contracts[contract], "data": "0x" + data.hex(), "gas": hex(300_000)}


def _payment_txs(busy: Busy, sender: int, amount: int) -> list[dict]:
    return [
        _tx(busy, sender, "payment_token", "MockUSD", "faucet", amount),
        _tx(busy, sender, "payment_token", "MockUSD", "approve", busy.deployed.manifest.contracts["payment_gateway"], amount),
        _tx(busy, sender, "payment_gateway", "PaymentGateway", "pay", amount, b"\x05" * 32),
    ]


def pay(busy: Busy, sender: int, amount: int) -> None:
    for tx in _payment_txs(busy, sender, amount):
        busy.deployed.w3.eth.wait_for_transaction_receipt(busy.deployed.w3.eth.send_transaction(tx))


def reorg(busy: Busy, depth: int, txs_per_block: list[list[dict]]) -> None:
    pairs = [[tx, offset] for offset, txs in enumerate(txs_per_block) for tx in txs]
    busy.deployed.w3.provider.make_request("anvil_reorg", [depth, pairs])


def test_reorgs_while_following_leave_the_database_equal_to_the_chain(busy: Busy, database_url: str) -> None:
    indexer = make_indexer(busy, database_url)
    thread = threading.Thread(target=indexer.run, daemon=True)
    thread.start()
    try:
        wait_until_at(indexer, busy)
        before = db_rows(indexer.engine)
        # One block replaced by one with a payment; then three blocks replaced by others with different events.
        reorg(busy, 1, [_payment_txs(busy, 6, 1_000_000)])
        wait_until_at(indexer, busy)
        assert db_rows(indexer.engine) == chain_rows(busy.deployed.w3, busy.deployed.manifest) != before
        reorg(busy, 3, [_payment_txs(busy, 7, 2_000_000), [], [_tx(busy, 8, "node_registry", "NodeRegistry", "register", b"\x99" * 32)]])
        wait_until_at(indexer, busy)
        assert db_rows(indexer.engine) == chain_rows(busy.deployed.w3, busy.deployed.manifest)
        assert indexer.metrics.reorgs._value.get() == 2
    finally:
        indexer.stop.set()
        thread.join(10)


def test_a_reorg_deeper_than_the_window_stops_the_indexer(busy: Busy, database_url: str) -> None:
    indexer = make_indexer(busy, database_url, reorg_window=2, batch_blocks=1, max_batch_blocks=1)
    indexer.run(once=True)
    before = db_rows(indexer.engine)
    reorg(busy, 6, [[], [], [], [], [], [_tx(busy, 8, "node_registry", "NodeRegistry", "register", b"\x98" * 32)]])
    with pytest.raises(ReorgTooDeep, match="reorg deeper than the 2-block window"):
        indexer.run(once=True)
    assert db_rows(indexer.engine) == before
    # The daemon itself, following: it stops with that line rather than keep going.
    result = run("index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path), "--database-url", database_url,
                 "--reorg-window", "2", "--poll-interval", "0.05")
    assert_one_line_error(result, "reorg deeper than the 2-block window")
    assert db_rows(indexer.engine) == before


def mine(busy: Busy, blocks: int) -> None:
    for _ in range(blocks):
        busy.deployed.w3.provider.make_request("evm_mine", [])


@pytest.mark.parametrize("offset", [0, 5])
def test_a_flaky_node_loses_nothing_and_duplicates_nothing(busy: Busy, database_url: str, offset: int) -> None:
    """Every fault kind meets every call path: single calls and header batches, log queries over ranges,
    and per-block log queries alone (the follower's one new block) and batched."""
    with FaultyProxy(busy.url, max_log_range=6, offset=offset) as proxy:
        metrics_kinds: dict[str, int] = {}
        client = NodeClient(proxy.url, timeout=0.4, retries=12, base_delay=0.005, max_delay=0.05,
                            on_error=lambda kind: metrics_kinds.__setitem__(kind, metrics_kinds.get(kind, 0) + 1))
        # A small window: old blocks go through range queries, the newest through per-block ones.
        indexer = make_indexer(busy, database_url, client=client, batch_blocks=50, max_batch_blocks=200, reorg_window=8)
        indexer.run(once=True)
        assert indexer.fetcher.size < 50  # the range shrank to what the node accepts
        # Then, restarted (its range size fresh), follow the head one, two and three blocks at a time: one new
        # block's logs go in a single call, several in a batch. Until each path has met the whole plan.
        indexer = make_indexer(busy, database_url, client=client, batch_blocks=50, max_batch_blocks=200, reorg_window=8)
        for round_ in range(80):
            if not proxy.missed():
                break
            if round_ % 3 == 0:
                pay(busy, 6 + round_ % 4, 1_000 + round_)
            else:
                mine(busy, 1 + round_ % 2)
            indexer.run(once=True)
        assert not proxy.missed(), f"fault kinds that never met a call path: {sorted(proxy.missed())}"
        assert db_rows(indexer.engine) == chain_rows(busy.deployed.w3, busy.deployed.manifest)
        assert proxy.injected["range"] > 0
        assert {"http_5xx", "rate_limited", "timeout", "transport"} <= metrics_kinds.keys()


def _run_in_thread(indexer: Indexer, once: bool) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def target() -> None:
        try:
            indexer.run(once=once)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, raised


def test_once_a_node_that_fails_for_good_mid_catch_up_is_one_error_within_the_retry_budget(idle: Busy, database_url: str) -> None:
    pay(idle, 6, 1_000_000)
    with FaultyProxy(idle.url, plan=(None,)) as proxy:
        proxy.logs_down = True  # every other call still works: only the catch-up itself fails
        client = NodeClient(proxy.url, timeout=2, retries=3, base_delay=0.01, max_delay=0.05)
        indexer = make_indexer(idle, database_url, client=client)
        thread, raised = _run_in_thread(indexer, once=True)
        thread.join(20)
        if thread.is_alive():
            indexer.stop.set()
            thread.join(10)
            pytest.fail("--once kept retrying a node that fails for good instead of stopping")
    assert len(raised) == 1 and isinstance(raised[0], FlywheelError)
    assert "kept failing" in str(raised[0]) and "\n" not in str(raised[0])
    assert proxy.injected["logs_down"] == 4  # the first attempt and 3 retries, then the error
    with indexer.engine.connect() as conn:
        assert conn.execute(select(checkpoint)).first() is None


def test_once_from_the_command_line_the_failing_node_is_one_line(idle: Busy, tmp_path) -> None:
    with FaultyProxy(idle.url, plan=(None,)) as proxy:
        proxy.logs_down = True
        settings = tmp_path / "indexer.toml"
        settings.write_text("rpc_retries = 2\nrpc_timeout = 2\n")
        result = run("index", "run", "--rpc-url", proxy.url, "--deployment", str(idle.manifest_path), "--config", str(settings),
                     "--database-url", f"sqlite:///{tmp_path / 'f.db'}", "--once")
    assert_one_line_error(result, "the RPC node at http://127.0.0.1:")
    assert "kept failing (HTTP 500) after 3 attempts" in result.stderr


def test_following_a_node_that_fails_mid_catch_up_backs_off_and_resumes_with_nothing_lost(idle: Busy, database_url: str) -> None:
    lines: list[str] = []
    with FaultyProxy(idle.url, plan=(None,)) as proxy:
        client = NodeClient(proxy.url, timeout=2, retries=1, base_delay=0.001, max_delay=0.01)
        indexer = make_indexer(idle, database_url, client=client)
        indexer.log = lines.append
        indexer.run(once=True)
        pay(idle, 6, 1_000_000)
        proxy.logs_down = True
        thread, raised = _run_in_thread(indexer, once=False)
        try:
            failures = indexer.metrics.failures
            deadline = time.monotonic() + 30
            while failures._value.get() < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert failures._value.get() >= 4, "the follower did not count the node's failures"
            assert indexer.metrics.retry_wait._value.get() > 0
            waits = [float(line.rsplit("retrying in ", 1)[1].split()[0]) for line in lines if "retrying in" in line]
            assert waits[:4] == [0.1, 0.2, 0.4, 0.8]  # the pause doubles from the poll interval
            assert not raised and thread.is_alive()
            proxy.logs_down = False
            wait_until_at(indexer, idle)
            assert indexer.metrics.retry_wait._value.get() == 0
        finally:
            indexer.stop.set()
            thread.join(10)
    assert not raised
    expected = chain_rows(idle.deployed.w3, idle.deployed.manifest)
    assert len(expected["payment_received"]) == 1 and db_rows(indexer.engine) == expected


def test_a_second_writer_is_refused(idle: Busy, database_url: str) -> None:
    busy = idle
    engine = make_engine(database_url)
    with WriterLock(engine, Stream.of(load(busy.manifest_path))):
        result = run("index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path), "--database-url", database_url, "--once")
        assert_one_line_error(result, "another indexer is already writing deployment")
    # Once the first writer is gone, the next one may start: this one set up by environment and a TOML file.
    settings = busy.manifest_path.parent / "indexer.toml"
    settings.write_text(f'deployment = "{busy.manifest_path.name}"\nconfirmations = 0\n')
    result = run("index", "run", "--config", str(settings), "--once",
                 env={"FLYWHEEL_RPC_URL": busy.url, "FLYWHEEL_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert f"to block {busy.deployed.w3.eth.block_number}" in result.stdout


def test_uint256_near_the_top_round_trips_exactly(database_url: str) -> None:
    from indexer.db.schema import EVENT_TABLES
    from tests.reports.eventdb import Chain

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    values = [2**256 - 1, 2**255 + 12345, 2**64, 2**63 - 1, 0]
    with engine.begin() as conn:
        c = Chain(conn)
        for v in values:
            c.emit("transfer", "0x" + "11" * 20, 1, sender="0x" + "22" * 20, receiver="0x" + "33" * 20, value=v)
    with engine.connect() as conn:
        got = [r[0] for r in conn.execute(select(EVENT_TABLES["transfer"].c.value).order_by(EVENT_TABLES["transfer"].c.block_number))]
    assert got == values and all(isinstance(v, int) for v in got)
    with pytest.raises(Exception):
        with engine.begin() as conn:
            Chain(conn).emit("transfer", "0x" + "11" * 20, 1, sender="0x" + "22" * 20, receiver="0x" + "33" * 20, value=2**256)
    engine.dispose()


def test_settings_are_validated() -> None:
    from pathlib import Path
    import tempfile

    from indexer.ingest import config

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.toml"
        path.write_text("colour = 1\n")
        with pytest.raises(FlywheelError, match="unknown key 'colour'"):
            config.load(path, {}, {})
        path.write_text("poll_interval = -1\n")
        with pytest.raises(FlywheelError, match="poll_interval must be a positive number"):
            config.load(path, {}, {})
        path.write_text('rpc_url = "http://file"\ndatabase_url = "sqlite:///file.db"\nconfirmations = 3\ndeployment = "m.json"\n')
        loaded = config.load(path, {"FLYWHEEL_RPC_URL": "http://env"}, {"confirmations": 5})
        assert (loaded.rpc_url, loaded.database_url, loaded.confirmations) == ("http://env", "sqlite:///file.db", 5)
        assert loaded.deployment == str(Path(d) / "m.json")
        assert IndexerConfig().confirmations_for(31337) == 0 and IndexerConfig().confirmations_for(1) == 12


def test_daemon_serves_metrics_and_stops_cleanly_on_sigterm(busy: Busy, tmp_path) -> None:
    import signal
    import subprocess

    import requests

    from tests.helpers import FLYWHEEL, free_port

    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'm.db'}"
    proc = subprocess.Popen([FLYWHEEL, "index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path),
                             "--database-url", database_url, "--metrics-port", str(port), "--poll-interval", "0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = requests.get(f"http://127.0.0.1:{port}/ready", timeout=1)
                if ready.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        assert ready is not None and ready.status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
        head = busy.deployed.w3.eth.block_number
        assert f"flywheel_indexed_block {float(head)}" in metrics
        assert 'flywheel_events_total{table="payment_received"}' in metrics
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert f"to block {head}" in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_reorg_in_the_middle_of_a_fetch_loses_nothing(idle: Busy, database_url: str) -> None:
    """The chain is reorganised after the node answered a log query and before the answer arrives.

    The block replaced had no events and its replacement has a payment: only
    logs asked for by block hash, with the checkpoint naming those hashes,
    let the next poll notice that what was stored is a dead branch.
    """
    with FaultyProxy(idle.url, plan=(None,)) as proxy:
        indexer = make_indexer(idle, database_url, url=proxy.url)
        indexer.run(once=True)
        for _ in range(3):
            idle.deployed.w3.provider.make_request("evm_mine", [])
        proxy.after_logs = lambda: reorg(idle, 1, [_payment_txs(idle, 6, 1_000_000)])
        indexer.run(once=True)
        assert proxy.after_logs is None, "the chain was not reorganised during a fetch"
    expected = chain_rows(idle.deployed.w3, idle.deployed.manifest)
    assert len(expected["payment_received"]) == 1
    assert db_rows(indexer.engine) == expected
    assert indexer.metrics.reorgs._value.get() == 1


def test_a_lagging_node_is_waited_for_not_rolled_back(idle: Busy, database_url: str) -> None:
    pay(idle, 6, 1_000_000)
    lines: list[str] = []
    with FaultyProxy(idle.url, plan=(None,)) as proxy:
        indexer = make_indexer(idle, database_url, url=proxy.url)
        indexer.log = lines.append
        indexer.run(once=True)
        before = db_rows(indexer.engine)
        # A node behind our checkpoint: no head to reach, and no block at our height.
        proxy.lag = 3
        assert indexer.run(once=True)[0] == idle.deployed.w3.eth.block_number
        assert db_rows(indexer.engine) == before
        assert indexer.metrics.reorgs._value.get() == 0
        assert any("has not reached our block" in line for line in lines), lines
        proxy.lag = 0
        pay(idle, 7, 2_000_000)
        indexer.run(once=True)
    assert db_rows(indexer.engine) == chain_rows(idle.deployed.w3, idle.deployed.manifest) != before


def test_the_writer_lock_cannot_be_sidestepped(idle: Busy, database_url: str, tmp_path, monkeypatch) -> None:
    """SQLite: another spelling of the same file is the same lock. PostgreSQL: a writer whose lock session
    ended writes nothing more."""
    stream = Stream.of(load(idle.manifest_path))
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    if engine.dialect.name == "sqlite":
        monkeypatch.chdir(engine.url.database.rsplit("/", 1)[0])
        with WriterLock(engine, stream):
            with pytest.raises(FlywheelError, match="another indexer is already writing"):
                WriterLock(make_engine("sqlite:///flywheel.db"), stream).acquire()
        return
    lock = WriterLock(engine, stream).acquire()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lock._pid})
            conn.commit()
        with pytest.raises(LockLost, match="lost the writer lock"):
            with store.transact(engine, lock.fence) as conn:
                end = Header(1, "0x" + "11" * 32, "0x" + "22" * 32)
                store.commit(conn, stream, None, Batch(1, 1, {}, {1: end}), 1, 128)
        with engine.connect() as conn:
            assert conn.execute(select(checkpoint)).first() is None
    finally:
        lock.release()
