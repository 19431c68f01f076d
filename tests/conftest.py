"""Fixtures shared by every suite (a real anvil over HTTP, a fresh deployment on it, a database), and the
layers the suite runs in.

Markers, most set here rather than by hand:
- `chain`: talks to a real anvil. Tests using a fixture of `CHAIN_FIXTURES` are marked here; a module
  whose own fixture starts anvil says so with `pytestmark = pytest.mark.chain`. A test without the mark
  cannot start one: while it runs FLYWHEEL_ANVIL names a file that does not exist, in this process and
  in every `flywheel` it starts, so a forgotten mark fails the quick run instead of slowing it.
- `pg`: runs on PostgreSQL; the postgresql param of `database_url` is marked here.
- `cli`: runs the installed `flywheel` console script in a subprocess.
- `slow`: a long run. Outside CI (CI=true) these are deselected unless `-m` names `slow`.

So `pytest -m "not chain and not pg"` needs neither anvil nor a database.

Hypothesis runs the `ci` profile when CI is set (Hypothesis' own: derandomized, no example database),
else `dev`. Tests that name their own `max_examples` keep it under both; the long property runs take
theirs from `tests.helpers.examples`, which the `dev` profile caps at a few.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import Web3

from indexer.chain import anvil as anvil_mod
from indexer.chain.deploy import deploy
from indexer.chain.manifest import Manifest
from indexer.chain.node import connect
from indexer.chain.params import Params
from tests.helpers import free_port  # also imported from here by tests/test_wheel.py and tests/ingest/test_follow.py

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.register_profile("ci", settings.get_profile("ci"), stateful_step_count=200)
settings.register_profile("dev", max_examples=3, stateful_step_count=200)
settings.load_profile("ci" if CI else "dev")


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


# Tests that reach a running anvil through these fixtures; modules whose own fixture starts one carry the mark.
CHAIN_FIXTURES = {"anvil", "deployed", "busy", "idle", "chain_port"}
# What FLYWHEEL_ANVIL names while a test without the chain mark runs: nothing, so anvil cannot start.
NO_ANVIL = Path(__file__).parent / "a test not marked chain cannot start anvil"
_ANVIL = os.environ.get("FLYWHEEL_ANVIL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what needs outside parts, so `-m "not chain and not pg"` is a loop of seconds; outside CI, leave
    the slow runs out unless asked for by name."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & CHAIN_FIXTURES:
            item.add_marker(pytest.mark.chain)
        params = getattr(item, "callspec", None)
        if params is not None and params.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.pg)
    if CI or "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of the test, module-scoped ones included, is set up."""
    if item.get_closest_marker("chain") is None:
        os.environ["FLYWHEEL_ANVIL"] = str(NO_ANVIL)
    elif _ANVIL is None:
        os.environ.pop("FLYWHEEL_ANVIL", None)
    else:
        os.environ["FLYWHEEL_ANVIL"] = _ANVIL


def pytest_report_header(config: pytest.Config) -> str | None:
    if CI or "slow" in (config.getoption("markexpr") or ""):
        return None
    return "slow tests deselected outside CI (CI=true, or -m naming slow, runs them)"
