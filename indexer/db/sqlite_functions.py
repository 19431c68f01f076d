"""SQL functions SQLite lacks, registered on every connection an engine opens.

They belong to the database layer, beside the engine that registers them,
rather than to the reports that call them: the engine is below the reports
and must not import them. Today there is one, `bigsum`, an exact SUM over
uint256 amounts, which SQLite stores as decimal text (`indexer.db.types`);
its native SUM stops at 64 bits.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement


class _BigSum:
    """An exact SUM for SQLite over integers stored as decimal text."""

    def __init__(self) -> None:
        self.total = 0
        self.seen = False

    def step(self, value: object) -> None:
        if value is not None:
            self.total += int(value)
            self.seen = True

    def finalize(self) -> str | None:
        return str(self.total) if self.seen else None


def bigsum(col: ColumnElement) -> ColumnElement:
    """The exact SUM of `col`, as decimal text; SQLite only, on an engine `register` saw."""
    return func.bigsum(col)


def register(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.create_aggregate("bigsum", 1, _BigSum)
