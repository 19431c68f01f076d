"""Apply the schema migrations (Alembic, shipped inside the package)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

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


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; a no-op when it is there already.

    Daemons of several deployments may start together on one PostgreSQL
    database: a transaction-scoped advisory lock lets one migrate while the
    others wait, then find nothing left to do. (SQLite serialises the writes
    itself.)
    """
    if current(engine) == head():
        return
    config = _config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


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
