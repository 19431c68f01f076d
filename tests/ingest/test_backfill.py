"""Backfill equals the chain, also after kill -9 at several points; bad input writes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from indexer.db.engine import make_engine
from indexer.db.schema import checkpoint
from tests.conftest import free_port
from tests.ingest.chainview import chain_rows, db_rows, digest
from tests.ingest.conftest import Busy
from tests.test_cli_deploy import FLYWHEEL, assert_one_line_error, run


def index_once(busy: Busy, database_url: str, *extra: str) -> subprocess.CompletedProcess:
    return run("index", "run", "--rpc-url", busy.url, "--deployment", str(busy.manifest_path), "--database-url", database_url, "--once", *extra)


def test_backfill_equals_the_chain(busy: Busy, database_url: str) -> None:
    result = index_once(busy, database_url)
    assert result.returncode == 0, result.stderr
    expected = chain_rows(busy.deployed.w3, busy.deployed.manifest)
    assert sum(len(r) for r in expected.values()) > 1_000
    assert all(expected[t] for t in ("payment_received", "epoch_finalized", "reward_claimed", "node_registered", "transfer"))
    engine = make_engine(database_url)
    assert digest(db_rows(engine)) == digest(expected)
    assert db_rows(engine) == expected
    # Running again adds nothing.
    assert index_once(busy, database_url).returncode == 0
    assert db_rows(engine) == expected
    engine.dispose()


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
    engine.dispose()


def _manifest(busy: Busy, tmp_path: Path, change) -> Path:
    data = json.loads(busy.manifest_path.read_text())
    change(data)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("unreachable rpc", "cannot reach an RPC node"),
        ("wrong chain id", "chain id mismatch"),
        ("no code", "no contract code at price_feed address"),
        ("unreachable database", "cannot reach the database at postgresql+psycopg://flywheel:***@127.0.0.1"),
        ("malformed manifest", "is not valid JSON"),
        ("manifest missing a contract", "missing contract 'node_registry'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(busy: Busy, tmp_path: Path, case: str, fragment: str) -> None:
    db = tmp_path / "out" / "f.db"
    url, manifest, database = busy.url, busy.manifest_path, f"sqlite:///{db}"
    if case == "unreachable rpc":
        url = f"http://127.0.0.1:{free_port()}"
    elif case == "wrong chain id":
        manifest = _manifest(busy, tmp_path, lambda d: d.update(chain_id=1))
    elif case == "no code":
        manifest = _manifest(busy, tmp_path, lambda d: d["contracts"].update(price_feed="0x" + "42" * 20))
    elif case == "unreachable database":
        database = f"postgresql+psycopg://flywheel:topsecret@127.0.0.1:{free_port()}/nothing"
    elif case == "malformed manifest":
        manifest = tmp_path / "bad.json"
        manifest.write_text("{not json")
    else:
        manifest = _manifest(busy, tmp_path, lambda d: d["contracts"].pop("node_registry"))
    result = run("index", "run", "--rpc-url", url, "--deployment", str(manifest), "--database-url", database, "--once")
    assert_one_line_error(result, fragment)
    assert "topsecret" not in result.stderr
    assert not db.exists() and not db.parent.exists()


def test_demand_screen_catches_the_wash_actors_and_no_honest_customer(busy: Busy, tmp_path: Path) -> None:
    from indexer.reports import build
    from indexer.reports.source import info_of

    database_url = f"sqlite:///{tmp_path / 'd.db'}"
    assert index_once(busy, database_url).returncode == 0
    engine = make_engine(database_url)
    with engine.connect() as conn:
        report = build.demand(conn, info_of(busy.deployed.manifest), "epoch", top=1000)
    flagged = {row["account"] for row in report.extra["suspect_accounts"]}
    wash = {a.lower() for a in busy.sim.wash_actors()}
    honest = {a.lower() for a in busy.sim.honest_customers()}
    assert len(wash) == 2 and len(honest) >= 5
    assert flagged == wash
    assert not flagged & honest
    engine.dispose()
