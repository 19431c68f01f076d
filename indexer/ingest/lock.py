"""One writer per deployment and database: a PostgreSQL advisory lock, or a lock file beside a SQLite file.

On PostgreSQL the lock lives in a session of its own; if that session dies
(a server restart, a dropped connection) another daemon could take over, so
every write transaction first checks, in the same transaction, that the
session still holds it (`fence`).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from eth_utils import keccak
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from indexer.errors import FlywheelError
from indexer.ingest.store import Stream

_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = :pid "
    "AND classid = :high AND objid = :low AND objsubid = 1"
)


class LockLost(FlywheelError):
    """The session holding the writer lock ended while the daemon ran."""


class WriterLock:
    def __init__(self, engine: Engine, stream: Stream) -> None:
        self.engine = engine
        self.stream = stream
        self._conn: Connection | None = None
        self._pid: int | None = None
        self._fd: int | None = None
        digest = keccak(text=f"flywheel:{stream.chain_id}:{stream.distributor}")[:8]
        self.key = int.from_bytes(digest, "big", signed=True)

    def _refuse(self) -> FlywheelError:
        return FlywheelError(
            f"another indexer is already writing deployment {self.stream.distributor} on chain {self.stream.chain_id} "
            "to this database; stop it first"
        )

    def acquire(self) -> WriterLock:
        if self.engine.dialect.name == "postgresql":
            self._acquire_pg()
        else:
            self._acquire_file()
        return self

    def _acquire_pg(self) -> None:
        # Its own unpooled connection: closing it must end the session that holds the lock.
        conn = create_engine(self.engine.url, poolclass=NullPool).connect()
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar():
            conn.close()
            raise self._refuse()
        self._pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        conn.commit()  # the lock belongs to the session and outlives this transaction
        self._conn = conn

    def _acquire_file(self) -> None:
        database = self.engine.url.database
        # Resolved, so two spellings of one file (relative, absolute, through a link) share one lock.
        base = Path(database).resolve() if database and database != ":memory:" else Path("memory")
        path = base.with_name(f"{base.name}.{self.stream.chain_id}-{self.stream.distributor}.lock")
        self._fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise self._refuse() from None

    def fence(self, conn: Connection) -> None:
        """Raise unless this process still holds the lock; run inside each write transaction."""
        if self._pid is None:
            return  # a file lock cannot be lost while its descriptor is open
        unsigned = self.key & (2**64 - 1)
        held = conn.execute(_HELD, {"pid": self._pid, "high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF}).scalar()
        if not held:
            raise LockLost(f"lost the writer lock of deployment {self.stream.distributor} (its database session ended); "
                           "stopped without writing: restart the indexer")

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # closing the session releases its advisory locks
            finally:
                self._conn = None
                self._pid = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
