"""Exact uint256 columns on both backends.

PostgreSQL stores them as NUMERIC(78,0), exact and summable in SQL. SQLite has
no exact type wider than 64 bits (its NUMERIC affinity turns large integers
into floats), so there they are stored as decimal text; the reports sum them
natively when every value fits 64 bits and exactly through a Python aggregate
otherwise (`indexer.reports.queries`). Either way Python sees `int`.
"""

from __future__ import annotations

from sqlalchemy import Numeric, String
from sqlalchemy.types import TypeDecorator


class Uint256(TypeDecorator):
    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(78, 0))
        return dialect.type_descriptor(String(78))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = int(value)
        if value < 0 or value >= 2**256:
            raise ValueError(f"{value} is not a uint256")
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else int(value)
