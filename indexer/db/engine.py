"""Engines for a database URL: SQLite tuned for one writer and many readers, or PostgreSQL."""

from __future__ import annotations

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


def make_engine(url: str, must_exist: bool = False) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise FlywheelError("the database URL is not a valid SQLAlchemy URL") from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed, must_exist)
    if parsed.get_backend_name() != "postgresql":
        raise FlywheelError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///FILE or postgresql://...")
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite(url, must_exist: bool) -> Engine:
    path = url.database
    if path and path != ":memory:":
        if must_exist and not Path(path).exists():
            raise FlywheelError(f"no database at {path}: run `flywheel index run` first")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
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

    sqlite_functions.register(engine)
    return engine


def check(engine: Engine) -> None:
    """Fail with one line when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise FlywheelError(f"cannot reach the database at {safe(engine.url)}: {reason(exc)}") from None
