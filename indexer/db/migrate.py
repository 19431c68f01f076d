"""Apply the schema migrations (Alembic, shipped inside the package), all or nothing.

An upgrade is one transaction on both backends (SQLite's DDL too: `indexer.db.engine` begins its
transactions itself), so a migration that fails leaves the database as it was. Before that
transaction creates anything it refuses, in one line, what would fail midway or do harm:

- a revision in `alembic_version` that these migrations do not know (a newer Flywheel wrote it,
  or it is another application's database);
- tables, views or indexes that the pending migrations would create and that already exist (a
  database another application uses). What the migrations create is not listed by hand: they
  are run into a scratch in-memory SQLite database, from the database's revision to the newest,
  and the names they add are compared with the database's own.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from indexer.db import engine as engines, views
from indexer.errors import FlywheelError, first_line

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


# Any constant will do: it only has to be the same for every process that migrates.
_MIGRATION_LOCK = 0x666C7977686C6D67  # "flywhlmg"


def current(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def require_known(revision: str | None) -> None:
    """Refuse a database whose revision no migration here has written."""
    if revision is not None and revision not in revisions():
        raise FlywheelError(f"the database is at schema revision {revision!r}, which this Flywheel does not know (its "
                            f"newest is {head()}): was it written by a newer Flywheel, or is it another application's "
                            "database?")


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; a no-op when it is there already.

    Daemons of several deployments may start together on one database: on
    PostgreSQL a transaction-scoped advisory lock, on SQLite an immediate
    (write-locking) BEGIN, lets one migrate while the others wait, then find
    nothing left to do.
    """
    revision = current(engine)
    require_known(revision)
    if revision == head():
        return
    config = _config()
    with engine.execution_options(**{engines.IMMEDIATE: True}).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            _create_schema(conn, engines.schema_of(engine))
        revision = current(conn)  # another process may have moved it while this one waited
        require_known(revision)
        if revision == head():
            return
        _refuse_existing(conn, revision)
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise FlywheelError(f"the migration to schema {head()} failed and was rolled back, the database is as it "
                                f"was: {first_line(getattr(exc, 'orig', None) or exc, type(exc).__name__)}") from None


def _create_schema(conn: Connection, schema: str | None) -> None:
    # Only when absent: CREATE SCHEMA IF NOT EXISTS still needs the right to create one.
    if schema is not None and not conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first():
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")


def _objects(conn: Connection) -> dict[str, str]:
    """Name -> kind ("table", "view", "index", ...) of what the database's Flywheel namespace holds."""
    if conn.dialect.name == "postgresql":
        # Tables, views, indexes and sequences share one namespace per schema, as do the indexes behind constraints.
        kinds = {"r": "table", "p": "table", "v": "view", "m": "view", "i": "index", "I": "index", "S": "sequence"}
        rows = conn.execute(text("SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "WHERE n.nspname = current_schema()"))
        return {name: kinds.get(kind, "relation") for name, kind in rows}
    rows = conn.execute(text("SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"))
    return {name: kind for name, kind in rows}


@functools.cache
def created_after(revision: str | None) -> dict[str, str]:
    """Name -> kind of every object the migrations after `revision` create (named constraints as "constraint"), by
    running them into a scratch in-memory SQLite database. `alembic_version` is left out: it is Alembic's to
    create, and it may exist with no revision in it."""
    config = _config()
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as conn:
            config.attributes["connection"] = conn
            if revision is not None:
                command.upgrade(config, revision)
            before = _objects(conn) | _constraints(conn)
            command.upgrade(config, "head")
            after = _objects(conn) | _constraints(conn)
    finally:
        scratch.dispose()
    return {name: kind for name, kind in after.items() if name not in before and name != "alembic_version"}


def _constraints(conn: Connection) -> dict[str, str]:
    inspector = inspect(conn)
    return {c["name"]: "constraint" for t in inspector.get_table_names() for c in inspector.get_unique_constraints(t)
            if c["name"]}


def _refuse_existing(conn: Connection, revision: str | None) -> None:
    dialect = conn.dialect.name
    wanted = {name: kind for name, kind in created_after(revision).items()
              if (kind != "view" or views.applies(dialect)) and (kind != "constraint" or dialect == "postgresql")}
    clash = sorted((kind, name) for name, kind in _objects(conn).items() if name in wanted)
    if clash:
        named = ", ".join(f"{kind} {name}" for kind, name in clash)
        schema = engines.schema_of(conn.engine)
        where = f"the database at {engines.safe(conn.engine.url)}" + (f", schema {schema}," if schema else "")
        raise FlywheelError(f"{where} already has what Flywheel's migrations would create ({named}): nothing was "
                            "changed; use an empty database" + (" or another --schema" if dialect == "postgresql" else ""))


def new_revision(message: str) -> Path:
    """Write the next migration: what the schema module has that the existing migrations do not build.

    The migrations are applied to a scratch SQLite database and Alembic compares it with `indexer.db.schema`;
    revisions are numbered in order. Batch operations are rendered, which PostgreSQL runs as plain ALTERs.
    Returns the file written, for a person to read before committing it.
    """
    config = _config()
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'schema.db'}")
        try:
            upgrade(engine)
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                script = command.revision(config, message=message, autogenerate=True, rev_id=f"{int(head()) + 1:04d}")
        finally:
            engine.dispose()
    return Path(script.path)


if __name__ == "__main__":
    # `python -m indexer.db.migrate "what changed"`: a developer's command, next to the migrations it writes.
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: python -m indexer.db.migrate "what the new migration does"')
    print(new_revision(sys.argv[1]))
