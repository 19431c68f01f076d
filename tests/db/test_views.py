"""The `_v` views: SQLite's text uint256 columns as integers and exact human amounts, in plain SQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from alembic import command
from hypothesis import given, strategies as st
from sqlalchemy import create_engine, text

from indexer.chain import system
from indexer.chain.units import NETWORK_TOKEN_DECIMALS, PRICE, Unit
from indexer.db import engine as engines, migrate, views
from indexer.db.schema import EVENT_TABLES, EVENTS
from tests.db.conftest import EDGES, NETWORK_TOKEN, PAYMENT_DECIMALS, PAYMENT_TOKEN, STRANGER

def _plain_sqlite(path: Path) -> sqlite3.Connection:
    """The database as any SQLite client sees it: no function of Flywheel's registered."""
    return sqlite3.connect(path)


def test_amounts_are_exact_human_decimals_as_python_converts_them(db: Path) -> None:
    with _plain_sqlite(db) as conn:
        rows = conn.execute("SELECT block_number, subsidy, revenue, price, subsidy_approx FROM epoch_finalized_v "
                            "ORDER BY block_number").fetchall()
    token, usd = Unit("FLY", NETWORK_TOKEN_DECIMALS), Unit("USD", PAYMENT_DECIMALS)
    assert [r[1:4] for r in rows] == [(token.plain(v), usd.plain(v), PRICE.plain(v)) for v in EDGES]
    assert rows[6][1] == "1" and rows[1][1] == "0.000000000000000001" and rows[0][1] == "0"
    assert rows[-1][1] == "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    for (_, _, _, _, approx), v in zip(rows, EDGES):
        assert approx == pytest.approx(v / 10**NETWORK_TOKEN_DECIMALS, rel=1e-12)


def test_integers_compare_sort_and_sum_as_numbers(db: Path) -> None:
    with _plain_sqlite(db) as conn:
        assert conn.execute("SELECT max(epoch) FROM epoch_finalized").fetchone()[0] == "9"  # why the views exist
        assert conn.execute("SELECT max(epoch) FROM epoch_finalized_v").fetchone()[0] == 251
        epochs = [r[0] for r in conn.execute("SELECT epoch FROM epoch_finalized_v ORDER BY epoch LIMIT 5")]
        assert epochs == [0, 1, 9, 10, 51]
        assert conn.execute("SELECT typeof(epoch), typeof(work_units), typeof(subsidy), typeof(subsidy_approx) "
                            "FROM epoch_finalized_v LIMIT 1").fetchone() == ("integer", "integer", "text", "real")
        # An integer past 64 bits is NULL, never SQLite's saturated 9223372036854775807.
        assert conn.execute("SELECT epoch FROM node_registered_v").fetchone()[0] is None


def test_a_transfer_is_in_the_units_of_the_token_that_logged_it(db: Path) -> None:
    with _plain_sqlite(db) as conn:
        got = dict(conn.execute("SELECT contract, group_concat(value, ' ') FROM "
                                "(SELECT contract, value FROM transfer_v ORDER BY block_number) GROUP BY contract"))
    assert got[NETWORK_TOKEN] == " ".join(Unit("FLY", NETWORK_TOKEN_DECIMALS).plain(v) for v in EDGES)
    assert got[PAYMENT_TOKEN] == " ".join(Unit("USD", PAYMENT_DECIMALS).plain(v) for v in EDGES)
    assert got[STRANGER] is None  # no manifest names it: NULL, not a guess


@given(value=st.integers(0, 2**256 - 1), decimals=st.integers(0, 40))
def test_the_sql_conversion_is_python_s_for_any_uint256_and_decimals(value: int, decimals: int) -> None:
    conn = sqlite3.connect(":memory:")
    got = conn.execute(f"SELECT {views.exact(':x', ':d')}, {views.integer(':x')}", {"x": str(value), "d": decimals}).fetchone()
    assert got[0] == Unit("X", decimals).plain(value)
    assert got[1] == (value if value < 2**63 else None)


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 shell installed")
def test_the_views_run_in_the_sqlite3_shell(db: Path) -> None:
    out = subprocess.run(["sqlite3", str(db), "SELECT max(epoch), count(*) FROM epoch_finalized_v; "
                          "SELECT value FROM transfer_v WHERE block_number = 106;"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["251|15", "1"]


def test_there_is_a_view_per_event_table_exactly_as_the_declaration_gives(db: Path) -> None:
    with _plain_sqlite(db) as conn:
        stored = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    assert stored == views.definitions()
    assert set(stored) == {views.name(t) for t in EVENT_TABLES}


def test_every_view_column_is_the_table_s_with_an_approx_beside_each_amount() -> None:
    for spec in EVENTS:
        amounts = {f.name for f in spec.fields if f.unit not in (None, system.INTEGER)}
        expected = [n for c in EVENT_TABLES[spec.table].columns
                    for n in (c.name, f"{c.name}{views.APPROX}")[:2 if c.name in amounts else 1]]
        assert [c.name for c in views.columns(spec)] == expected


def test_downgrade_drops_the_views_and_upgrade_makes_them_again(tmp_path: Path) -> None:
    engine = engines.make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    migrate.upgrade(engine)
    config = migrate._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'view'")).scalar() == 0
        assert set(EVENT_TABLES) <= set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'view'")).scalar() == len(EVENT_TABLES)
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_gets_no_views_its_numeric_columns_need_none(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM information_schema.views WHERE table_schema = 'public'")).scalar() == 0
            assert migrate.current(conn) == migrate.head()
    finally:
        engine.dispose()
