"""Migrations apply whole or not at all, and refuse in one line what they would trip over."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from indexer.chain.manifest import Manifest
from indexer.chain.system import KEYS
from indexer.db import engine as engines, migrate, views
from indexer.db.schema import metadata
from indexer.errors import FlywheelError
from tests.conftest import PG_URL
from tests.helpers import assert_one_line_error, cli


def _dump(path: Path) -> list[str]:
    """Everything a SQLite file holds, schema and rows, as SQL."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def _sqlite_file(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)
    return path


def test_what_the_migrations_create_is_the_schema_and_its_views() -> None:
    created = migrate.created_after(None)
    assert {t for t, kind in created.items() if kind == "table"} == set(metadata.tables)
    assert {v for v, kind in created.items() if kind == "view"} == set(views.definitions())
    assert {ix.name for t in metadata.tables.values() for ix in t.indexes} <= {i for i, k in created.items() if k == "index"}
    assert set(migrate.created_after("0003")) == set(views.definitions()) | set(migrate.created_after("0004"))
    assert set(migrate.created_after("0004")) == {"allocation", "node_work", "ix_allocation_account",
                                                  "ix_allocation_block", "ix_node_work_block"}
    assert migrate.created_after(migrate.head()) == {}


@pytest.fixture
def no_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """`index run` migrates once its node has answered: here it answers for a deployment without a chain."""
    from indexer.cli import index_cmd

    contracts = {key: f"0x{i + 1:040x}" for i, key in enumerate(KEYS)}
    m = Manifest(chain_id=31337, deploy_block=0, contracts=contracts, parameters={}, payment_decimals=6)
    monkeypatch.setattr(index_cmd, "_connect", lambda cfg, stop, metrics: (m, None))


RUN = ("index", "run", "--once")


@pytest.mark.parametrize("command", [("db", "upgrade"), RUN])
def test_a_database_holding_a_table_the_migrations_would_create_is_refused_and_left_as_it_was(
        tmp_path: Path, command: tuple[str, ...], no_node: None) -> None:
    db = _sqlite_file(tmp_path / "theirs.db", "CREATE TABLE transfer (id INTEGER PRIMARY KEY, what TEXT)",
                      "INSERT INTO transfer (what) VALUES ('theirs')", "CREATE INDEX ix_swept_block ON transfer (what)",
                      "CREATE TABLE keep (x)")
    before = _dump(db)
    result = cli(*command, "--database-url", f"sqlite:///{db}")
    assert_one_line_error(result, "already has what Flywheel's migrations would create (index ix_swept_block, table transfer)")
    assert _dump(db) == before


def test_an_object_a_pending_migration_would_create_is_refused_at_a_partial_revision(tmp_path: Path) -> None:
    engine = engines.make_engine(f"sqlite:///{tmp_path / 'half.db'}")
    from alembic import command

    config = migrate._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        conn.exec_driver_sql("CREATE VIEW transfer_v AS SELECT 1 AS mine")
    engine.dispose()
    before = _dump(tmp_path / "half.db")
    assert_one_line_error(cli("db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'half.db'}"), "(view transfer_v)")
    assert _dump(tmp_path / "half.db") == before


def test_a_migration_failing_midway_leaves_nothing_behind_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The last migration fails after the first three have created every table in the same transaction. (The
    # scratch run that lists what the migrations create is done first, as it would run the failing one too.)
    migrate.created_after(None)
    monkeypatch.setattr(views, "create", lambda conn: conn.exec_driver_sql("SELECT * FROM no_such_table"))
    path = tmp_path / "f.db"
    engine = engines.make_engine(f"sqlite:///{path}")
    with pytest.raises(FlywheelError, match="failed and was rolled back.*no such table: no_such_table"):
        migrate.upgrade(engine)
    engine.dispose()
    assert _dump(path) == ["BEGIN TRANSACTION;", "COMMIT;"]
    monkeypatch.undo()
    engine = engines.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)  # and the next try starts clean
    assert migrate.current(engine) == migrate.head()
    engine.dispose()


def test_sqlite_ddl_is_transactional_and_savepoints_nest(tmp_path: Path) -> None:
    engine = engines.make_engine(f"sqlite:///{tmp_path / 't.db'}")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE a (x)")
        conn.exec_driver_sql("INSERT INTO a VALUES (1)")
        raise RuntimeError
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
        conn.exec_driver_sql("CREATE TABLE a (x)")
        with pytest.raises(RuntimeError), conn.begin_nested():
            conn.exec_driver_sql("INSERT INTO a VALUES (1)")
            raise RuntimeError
        conn.exec_driver_sql("INSERT INTO a VALUES (2)")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT x FROM a").scalars().all() == [2]
    engine.dispose()


def test_upgrades_started_together_on_one_sqlite_file_both_succeed(tmp_path: Path) -> None:
    url, errors = f"sqlite:///{tmp_path / 'race.db'}", []

    def go() -> None:
        engine = engines.make_engine(url)
        try:
            migrate.upgrade(engine)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever either thread met
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert migrate.current(engines.make_engine(url)) == migrate.head()


@pytest.mark.parametrize("command", [("db", "upgrade"), ("index", "status"), ("report", "real-yield"), RUN])
def test_a_file_that_is_not_sqlite_is_one_line_and_untouched(tmp_path: Path, command: tuple[str, ...], no_node: None) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 200)
    result = cli(*command, "--database-url", f"sqlite:///{path}")
    assert_one_line_error(result, f"{path} is not a SQLite database")
    assert path.read_text() == "these are my notes, not a database\n" * 200


@pytest.mark.parametrize("command", [("db", "upgrade"), ("index", "status")])
def test_a_revision_this_flywheel_does_not_know_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "newer.db"
    engine = engines.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    before = _dump(path)
    result = cli(*command, "--database-url", f"sqlite:///{path}")
    assert_one_line_error(result, "schema revision '0999', which this Flywheel does not know")
    assert "newer Flywheel" in result.stderr
    assert _dump(path) == before


@pytest.mark.parametrize("command", [("db", "upgrade"), ("index", "status"), ("report", "real-yield"), RUN])
def test_schema_is_refused_on_sqlite(tmp_path: Path, command: tuple[str, ...], no_node: None) -> None:
    result = cli(*command, "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--schema", "flywheel")
    assert_one_line_error(result, "--schema is for PostgreSQL")
    assert not (tmp_path / "x.db").exists()


def test_a_bad_schema_name_is_one_line() -> None:
    with pytest.raises(FlywheelError, match="schema name 'Two Words' is not usable"):
        engines.make_engine("postgresql://nobody@127.0.0.1/none", schema="Two Words")


@pytest.fixture
def schemas():
    """Two schema names in the shared `test` database, dropped afterwards."""
    names = [f"fw_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    yield names
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    admin.dispose()


def _tables(conn, schema: str) -> set[str]:
    return set(conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                            {"s": schema}).scalars())


@pytest.mark.pg
def test_two_schemas_of_one_postgresql_database_each_hold_their_own_flywheel(schemas: list[str]) -> None:
    a, b = schemas
    assert cli("db", "upgrade", "--database-url", PG_URL, "--schema", a).returncode == 0
    engine_a = engines.make_engine(PG_URL, schema=a)
    with engine_a.begin() as conn:
        conn.execute(text("INSERT INTO indexer_checkpoint VALUES (31337, :d, 7, :h, 9)"), {"d": "0x" + "d1" * 20, "h": "0x" + "00" * 32})
        conn.execute(text("INSERT INTO allowed_account VALUES ('0xabc', 'an exchange')"))
    # The second, by the environment, upgraded on its own and empty.
    result = cli("db", "upgrade", "--database-url", PG_URL, env={"FLYWHEEL_DB_SCHEMA": b})
    assert result.returncode == 0 and f"schema {b}" in result.stdout
    admin = create_engine(PG_URL)
    with admin.connect() as conn:
        assert _tables(conn, a) == _tables(conn, b) == set(metadata.tables) | {"alembic_version"}
        assert conn.execute(text(f"SELECT count(*) FROM {a}.allowed_account")).scalar() == 1
        assert conn.execute(text(f"SELECT count(*) FROM {b}.allowed_account")).scalar() == 0
        assert conn.execute(text(f"SELECT version_num FROM {b}.alembic_version")).scalar() == migrate.head()
    admin.dispose()
    status_a = cli("index", "status", "--database-url", PG_URL, "--schema", a)
    assert status_a.returncode == 0 and "0xd1d1d1d1d1" in status_a.stdout
    status_b = cli("index", "status", "--database-url", PG_URL, "--schema", b)
    assert status_b.returncode == 0 and "0xd1d1d1d1d1" not in status_b.stdout
    engine_a.dispose()


@pytest.mark.pg
def test_a_postgresql_schema_holding_a_clashing_table_is_refused_and_unchanged(schemas: list[str]) -> None:
    a, _ = schemas
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {a}")
        conn.exec_driver_sql(f"CREATE TABLE {a}.transfer (id int)")
        conn.exec_driver_sql(f"INSERT INTO {a}.transfer VALUES (1)")
    result = cli("db", "upgrade", "--database-url", PG_URL, "--schema", a)
    assert_one_line_error(result, f"schema {a}, already has what Flywheel's migrations would create (table transfer)")
    with admin.connect() as conn:
        assert _tables(conn, a) == {"transfer"}
        assert conn.execute(text(f"SELECT id FROM {a}.transfer")).scalars().all() == [1]
    admin.dispose()


def test_the_schema_comes_from_the_flag_then_the_environment_then_the_settings_file(tmp_path: Path) -> None:
    from indexer.ingest import config as configs

    settings = tmp_path / "indexer.toml"
    settings.write_text('schema = "from_file"\n')
    assert configs.load(settings, {}, {}).schema == "from_file"
    assert configs.load(settings, {"FLYWHEEL_DB_SCHEMA": "from_env"}, {}).schema == "from_env"
    assert configs.load(settings, {"FLYWHEEL_DB_SCHEMA": "from_env"}, {"schema": "from_flag"}).schema == "from_flag"
    assert configs.load(None, {}, {}).schema is None
