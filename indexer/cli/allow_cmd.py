"""`flywheel db allow FILE`: replace the demand screen's allow list with a file's accounts.

The database is found as the reports find it (the flags, FLYWHEEL_DATABASE_URL,
the settings file, then sqlite:///flywheel.db), since the list exists for them.
The file is read and checked whole before the database is opened.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.exc import OperationalError

from indexer.app import allowlist, reports as reading
from indexer.cli.common import ConfigOption, DatabaseOption
from indexer.cli.output import console
from indexer.db import engine as engines
from indexer.errors import FlywheelError


def allow(
    file: Path = typer.Argument(..., help="CSV with the header account[,note], or one address per line."),
    database_url: str = DatabaseOption,
    config: Path = ConfigOption,
) -> None:
    """Replace the allow list: accounts the demand screen never treats as suspect (exchanges, OTC desks)."""
    accounts = allowlist.read(file)
    cfg = reading.settings(config, database_url)
    engine = reading.open_database(cfg)
    try:
        count = allowlist.replace(engine, accounts)
    except OperationalError as exc:
        raise FlywheelError(f"cannot write the allow list at {engines.safe(engine.url)}: {engines.reason(exc)}") from None
    finally:
        engine.dispose()
    console.print(f"{count} account{'' if count == 1 else 's'} on the allow list")
