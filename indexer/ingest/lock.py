"""One writer per deployment and database: a PostgreSQL advisory lock, or a lock file beside a SQLite file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from eth_utils import keccak
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool
from sqlalchemy.engine import Engine

from indexer.errors import FlywheelError
from indexer.ingest.store import Stream


class WriterLock:
    def __init__(self, engine: Engine, stream: Stream) -> None:
        self.engine = engine
        self.stream = stream
        self._conn = None
        self._fd: int | None = None

    def _refuse(self) -> FlywheelError:
        return FlywheelError(
            f"another indexer is already writing deployment {self.stream.distributor} on chain {self.stream.chain_id} "
            "to this database; stop it first"
        )

    def acquire(self) -> WriterLock:
        if self.engine.dialect.name == "postgresql":
            key = int.from_bytes(keccak(text=f"flywheel:{self.stream.chain_id}:{self.stream.distributor}")[:8], "big", signed=True)
            # Its own unpooled connection: closing it must end the session that holds the lock.
            self._conn = create_engine(self.engine.url, poolclass=NullPool).connect()
            if not self._conn.execute(select(func.pg_try_advisory_lock(key))).scalar():
                self._conn.close()
                self._conn = None
                raise self._refuse()
            self._conn.commit()  # the lock is per session and outlives this transaction
            return self
        database = self.engine.url.database or "memory"
        path = Path(f"{database}.{self.stream.chain_id}-{self.stream.distributor}.lock")
        self._fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise self._refuse() from None
        return self

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()  # closing the session releases its advisory locks
            self._conn = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
