"""Backfill equals the chain, also after kill -9 or SIGTERM mid-way; uint256 arrives exact; bad input writes nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from indexer.chain.accounts import dev_account
from indexer.db import migrate
from indexer.db.engine import make_engine
from indexer.db.schema import EVENT_TABLES, EVENTS, checkpoint
from indexer.ingest import decode as decoding
from indexer.ingest import store
from tests.ingest.chainview import chain_rows, db_rows, digest
from tests.ingest.conftest import Busy
from tests.helpers import FLYWHEEL, assert_one_line_error, free_port, run


def index_once(busy: Busy, database_url: str, *extra: str) -> subprocess.CompletedProcess:
    return run("index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path), "--database-url", database_url, "--once", *extra)


def test_backfill_equals_the_chain(busy: Busy, database_url: str) -> None:
    assert f"is at schema {migrate.head()}" in run("db", "upgrade", "--database-url", database_url).stdout
    result = index_once(busy, database_url)
    assert result.returncode == 0, result.stderr
    expected = chain_rows(busy.deployed.w3, busy.deployed.manifest)
    assert sum(len(r) for r in expected.values()) > 1_000
    assert all(expected[t] for t in ("payment_received", "epoch_finalized", "reward_claimed", "node_registered", "transfer"))
    engine = make_engine(database_url)
    assert digest(db_rows(engine)) == digest(expected)
    assert db_rows(engine) == expected
    with engine.connect() as conn:
        assert not store.lookups_missing(conn)  # deferred during the backfill, built at the head
    # Running again adds nothing.
    assert index_once(busy, database_url).returncode == 0
    assert db_rows(engine) == expected
    engine.dispose()
    status = run("index", "status", "--database-url", database_url, "--rpc-url", busy.url)
    assert status.returncode == 0, status.stderr
    head = busy.deployed.w3.eth.block_number
    assert re.search(rf"{busy.deployed.manifest.contracts['reward_distributor'].lower()}\W+{head}\W+{head}\W+0\b", status.stdout), status.stdout
    for table, rows in expected.items():
        assert re.search(rf"\b{table}\W+{len(rows)}\b", status.stdout), (table, status.stdout)


def _checkpoint(engine) -> int:
    try:
        with engine.connect() as conn:
            row = conn.execute(select(checkpoint.c.block_number)).first()
            return row[0] if row else -1
    except Exception:  # the tables may not exist yet
        return -1


def test_kill_9_at_several_points_leaves_no_gap_and_no_duplicate(busy: Busy, database_url: str) -> None:
    engine = make_engine(database_url)
    head = busy.deployed.w3.eth.block_number
    start = busy.deployed.manifest.deploy_block
    killed_at = []
    for fraction in (0.15, 0.45, 0.75):
        stop_at = start + int((head - start) * fraction)
        # One block per range makes the backfill long enough to be killed in the middle.
        proc = subprocess.Popen([FLYWHEEL, "index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path),
                                 "--database-url", database_url, "--once", "--batch-blocks", "1", "--max-batch-blocks", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _checkpoint(engine) < stop_at and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at.append(_checkpoint(engine))
    assert killed_at == sorted(killed_at) and killed_at[-1] < head, killed_at
    assert index_once(busy, database_url).returncode == 0
    assert db_rows(engine) == chain_rows(busy.deployed.w3, busy.deployed.manifest)
    with engine.connect() as conn:
        assert not store.lookups_missing(conn)
    engine.dispose()


def test_sigterm_during_backfill_stops_after_a_commit(busy: Busy, database_url: str) -> None:
    engine = make_engine(database_url)
    start = busy.deployed.manifest.deploy_block
    proc = subprocess.Popen([FLYWHEEL, "index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path),
                             "--database-url", database_url, "--batch-blocks", "1", "--max-batch-blocks", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _checkpoint(engine) < start + 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    stopped_at = _checkpoint(engine)
    assert start + 5 <= stopped_at < busy.deployed.w3.eth.block_number
    assert f"to block {stopped_at} (stopped on request)" in out
    assert db_rows(engine) == chain_rows(busy.deployed.w3, busy.deployed.manifest, to_block=stopped_at)
    engine.dispose()


def _emitter(topic0: bytes, sender: bytes, receiver: bytes, values: list[int]) -> str:
    """Runtime code that emits one ERC-20 Transfer per value and stops: PUSH32 value, MSTORE at 0,
    PUSH32 the topics, LOG3 over the 32-byte word."""
    code = b""
    for value in values:
        code += b"\x7f" + value.to_bytes(32, "big") + b"\x60\x00\x52"
        code += b"\x7f" + receiver.rjust(32, b"\0") + b"\x7f" + sender.rjust(32, b"\0") + b"\x7f" + topic0
        code += b"\x60\x20\x60\x00\xa3"
    return "0x" + (code + b"\x00").hex()


def test_a_uint256_near_the_top_arrives_exact_from_the_chain(idle: Busy, database_url: str) -> None:
    """Values no real token reaches, emitted by code swapped in at the payment token's address, through
    eth_getLogs, decoding and the bulk insert of each backend."""
    values = [2**256 - 1, 2**255 + 12345, 2**64 + 1]
    w3, token = idle.deployed.w3, idle.deployed.manifest.contracts["payment_token"]
    topic0 = bytes.fromhex(decoding.topic0(next(e for e in EVENTS if e.table == "transfer"))[2:])
    w3.provider.make_request("anvil_setCode", [token, _emitter(topic0, b"\x01" * 20, b"\x02" * 20, values)])
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": dev_account(0).address, "to": token, "gas": 200_000}))
    assert index_once(idle, database_url).returncode == 0
    engine = make_engine(database_url)
    transfer = EVENT_TABLES["transfer"]
    with engine.connect() as conn:
        got = [r[0] for r in conn.execute(select(transfer.c.value).where(transfer.c.receiver == "0x" + "02" * 20)
                                          .order_by(transfer.c.log_index))]
    engine.dispose()
    assert got == values


def _manifest(busy: Busy, tmp_path: Path, change) -> Path:
    data = json.loads(busy.manifest_path.read_text())
    change(data)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("unreachable rpc", "cannot reach an RPC node at http://127.0.0.1:"),
        ("wrong chain id", "chain id mismatch"),
        ("no code", "no contract code at price_feed address"),
        ("unreachable database", "cannot reach the database at postgresql+psycopg://flywheel:***@127.0.0.1"),
        ("malformed manifest", "is not valid JSON"),
        ("manifest missing a contract", "missing contract 'node_registry'"),
        ("metrics port taken", "cannot serve metrics on 127.0.0.1:"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(idle: Busy, tmp_path: Path, case: str, fragment: str) -> None:
    db = tmp_path / "out" / "f.db"
    url, manifest, database, extra = idle.url, idle.manifest_path, f"sqlite:///{db}", []
    if case == "unreachable rpc":
        url = f"http://user:topsecret@127.0.0.1:{free_port()}/v2/topsecret?apikey=topsecret"
    elif case == "wrong chain id":
        manifest = _manifest(idle, tmp_path, lambda d: d.update(chain_id=1))
    elif case == "no code":
        manifest = _manifest(idle, tmp_path, lambda d: d["contracts"].update(price_feed="0x" + "42" * 20))
    elif case == "unreachable database":
        database = f"postgresql+psycopg://flywheel:topsecret@127.0.0.1:{free_port()}/nothing"
    elif case == "malformed manifest":
        manifest = tmp_path / "bad.json"
        manifest.write_text("{not json")
    elif case == "manifest missing a contract":
        manifest = _manifest(idle, tmp_path, lambda d: d["contracts"].pop("node_registry"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        if case == "metrics port taken":
            extra = ["--metrics-port", str(taken.getsockname()[1])]
        result = run("index", "run", "--rpc-url", url, "--deployment", str(manifest), "--database-url", database, "--once", *extra)
    assert_one_line_error(result, fragment)
    assert "topsecret" not in result.stderr + result.stdout
    assert not db.exists() and not db.parent.exists()


def test_demand_screen_catches_the_wash_actors_and_no_honest_customer(busy: Busy, tmp_path: Path) -> None:
    from indexer.reports import demand as demands
    from indexer.reports.source import info_of

    database_url = f"sqlite:///{tmp_path / 'd.db'}"
    assert index_once(busy, database_url).returncode == 0
    engine = make_engine(database_url)
    with engine.connect() as conn:
        report = demands.demand(conn, info_of(busy.deployed.manifest), "epoch", top=1000)
    flagged = {row["account"] for row in report.extra["suspect_accounts"]}
    wash = {a.lower() for a in busy.sim.wash_actors()}
    honest = {a.lower() for a in busy.sim.honest_customers()}
    assert len(wash) == 2 and len(honest) >= 5
    assert flagged == wash
    assert not flagged & honest
    engine.dispose()
