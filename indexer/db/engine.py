"""Engines for a database URL: SQLite tuned for one writer and many readers, or PostgreSQL.

SQLite transactions are begun by the engine, not by the driver. Python's sqlite3 (before 3.12's
`autocommit`) opens a transaction only before INSERT, UPDATE and DELETE, so every CREATE before the
first of them commits on its own: a migration failing midway left its first tables behind and an
empty `alembic_version`. With the driver's own transaction handling off and a BEGIN on every
SQLAlchemy transaction, DDL rolls back like the rest, SAVEPOINTs nest as they should, and a reader
sees one snapshot for its whole transaction.

On PostgreSQL a `schema` puts Flywheel in a schema of its own, so it can share a database: every
connection's search_path names that schema alone, so the same unqualified SQL (the migrations, the
indexer's writes, the reports, `alembic_version`) finds Flywheel's tables and no others.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from indexer.db import sqlite_functions
from indexer.errors import FlywheelError, first_line


def safe(url: str | URL) -> str:
    """The URL with its password hidden (`postgresql+psycopg://flywheel:***@host/db`): unlike a node's URL,
    whose path and query may hold an API key and are hidden too, a database URL keeps its secret in one place."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def reason(exc: OperationalError) -> str:
    """Why the database refused, in one line (drivers add pages of context after it)."""
    return first_line(exc.orig, "connection failed")


# Where an engine keeps its PostgreSQL schema (an execution option any connection can read), for
# `indexer.db.migrate` to create it before the first migration.
SCHEMA_OPTION = "flywheel_schema"
# Unquoted PostgreSQL identifiers, lower-case as PostgreSQL folds them: a name that needs quoting would need it
# in every place a person types it too.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SQLITE_HEADER = b"SQLite format 3\x00"
# An execution option: the SQLite transaction takes the write lock at BEGIN, so two writers wait for each other
# (up to the busy timeout) instead of the later one failing when it first writes.
IMMEDIATE = "flywheel_begin_immediate"


def make_engine(url: str, must_exist: bool = False, schema: str | None = None) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise FlywheelError("the database URL is not a valid SQLAlchemy URL") from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if schema is not None:
            raise FlywheelError("--schema is for PostgreSQL: a SQLite database is a file of its own, so give another "
                                "--database-url instead")
        return _sqlite(parsed, must_exist)
    if parsed.get_backend_name() != "postgresql":
        raise FlywheelError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///FILE or postgresql://...")
    if schema is None:
        return create_engine(parsed, pool_pre_ping=True)
    return _postgresql_schema(parsed, schema)


def schema_of(engine: Engine) -> str | None:
    """The PostgreSQL schema `make_engine` was given, or None."""
    return engine.get_execution_options().get(SCHEMA_OPTION)


def _postgresql_schema(url: URL, schema: str) -> Engine:
    if not _SCHEMA_NAME.fullmatch(schema) or schema.startswith("pg_") or schema == "information_schema":
        raise FlywheelError(f"schema name {schema!r} is not usable: use lower-case letters, digits and underscores, "
                            "starting with a letter or underscore (at most 63), and not pg_* or information_schema")
    engine = create_engine(url, pool_pre_ping=True, execution_options={SCHEMA_OPTION: schema})

    # First among the connect listeners, so the dialect's own first queries (its default schema) already see it.
    @event.listens_for(engine, "connect", insert=True)
    def _search_path(dbapi_connection, _record) -> None:
        # Outside any transaction, so the setting is the session's and no transaction is left open for the pool.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {schema}")
        dbapi_connection.autocommit = autocommit

    return engine


def _not_sqlite(path: Path) -> bool:
    """A file that exists, is not empty (SQLite makes an empty file a database) and lacks SQLite's header."""
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FlywheelError(f"cannot read the database file {path}: {exc.strerror}") from None
    return bool(head) and head != _SQLITE_HEADER


def _sqlite(url, must_exist: bool) -> Engine:
    path = url.database
    if path and path != ":memory:":
        if must_exist and not Path(path).exists():
            raise FlywheelError(f"no database at {path}: run `flywheel index run` first")
        if Path(path).is_dir():
            raise FlywheelError(f"{path} is a directory, not a SQLite database")
        if _not_sqlite(Path(path)):
            raise FlywheelError(f"{path} is not a SQLite database")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # The engine begins transactions itself (see the module's docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets report readers run while the indexer writes. NORMAL skips the fsync per commit: a power
        # cut may lose the last commits, never half of one, and the indexer re-fetches what its checkpoint lost.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Bulk inserts touch index pages all over the tables; the default 2 MB cache re-reads them (64 MB costs
        # nothing until used).
        cursor.execute("PRAGMA cache_size=-65536")
        # Checkpoint the WAL into the database every 64 MB rather than every 4 MB: a backfill's commits rewrite
        # the same index pages, and each checkpoint copies them again. The file is cut back to that size after.
        cursor.execute("PRAGMA wal_autocheckpoint=16384")
        cursor.execute("PRAGMA journal_size_limit=67108864")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")

    sqlite_functions.register(engine)
    return engine


def check(engine: Engine) -> None:
    """Fail with one line when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise FlywheelError(f"cannot reach the database at {safe(engine.url)}: {reason(exc)}") from None
