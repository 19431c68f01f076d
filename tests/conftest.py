"""Fixtures shared by every suite: a real anvil over HTTP and a fresh deployment on it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import Web3

from indexer.chain import anvil as anvil_mod
from indexer.chain.deploy import deploy
from indexer.chain.manifest import Manifest
from indexer.chain.node import connect
from indexer.chain.params import Params


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def flywheel_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep chain pid files out of the user's home; share one build cache per test run."""
    home = tmp_path_factory.getbasetemp() / "flywheel-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("FLYWHEEL_HOME", str(home))
    monkeypatch.delenv("FLYWHEEL_PRIVATE_KEY", raising=False)
    return home


@dataclass
class Anvil:
    port: int
    url: str


@pytest.fixture
def anvil(flywheel_home: Path) -> Iterator[Anvil]:
    """A fresh anvil (chain id 31337) on a free port, stopped after the test."""
    port = free_port()
    chain = anvil_mod.start(port)
    try:
        yield Anvil(port=port, url=chain.url)
    finally:
        anvil_mod.stop(port)


@dataclass
class Deployed:
    url: str
    w3: Web3
    manifest: Manifest


@pytest.fixture
def deployed(anvil: Anvil) -> Deployed:
    """The default deployment on a fresh anvil."""
    w3, chain_id = connect(anvil.url)
    return Deployed(url=anvil.url, w3=w3, manifest=deploy(w3, chain_id, Params()))


PG_URL = os.environ.get("FLYWHEEL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'flywheel.db'}"
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"flywheel_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Tests that reach a running anvil through these fixtures; those that start one themselves carry the mark.
CHAIN_FIXTURES = {"anvil", "deployed", "busy", "idle", "chain_port"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs outside parts, so `-m "not chain and not pg"` is a loop of seconds."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & CHAIN_FIXTURES:
            item.add_marker(pytest.mark.chain)
        params = getattr(item, "callspec", None)
        if params is not None and params.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.pg)
