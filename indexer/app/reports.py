"""Read a report from an indexed database.

A report finds its database the way `index run` does (the flags, then FLYWHEEL_DATABASE_URL,
then the settings file, then sqlite:///flywheel.db), so it reads what the indexer wrote without
the URL being repeated; its deployment is the manifest given, else the one the database holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from indexer.chain import manifest as manifests
from indexer.chain.manifest import Manifest
from indexer.db import engine as engines
from indexer.errors import FlywheelError
from indexer.ingest import config as configs
from indexer.reports.model import Report
from indexer.reports.queries import DeploymentInfo
from indexer.reports.source import deployment_from_database, info_of

MakeReport = Callable[[Connection, DeploymentInfo], Report]


def settings(config_file: Path | None, database_url: str | None, deployment: Path | None = None,
             schema: str | None = None) -> configs.IndexerConfig:
    """The database URL, its schema and the manifest path, found as `index run` finds them."""
    flags = {"database_url": database_url, "deployment": str(deployment) if deployment else None, "schema": schema}
    return configs.load(config_file, dict(os.environ), flags)


def open_database(cfg: configs.IndexerConfig) -> Engine:
    """The indexed database, which must exist and answer."""
    engine = engines.make_engine(cfg.database_url, must_exist=True, schema=cfg.schema)
    engines.check(engine)
    return engine


def read(engine: Engine, make: MakeReport, manifest: Manifest | None = None) -> Report:
    """Build a report in a connection of its own: readers never hold up the indexer's writes."""
    with engine.connect() as conn:
        return make(conn, info_of(manifest) if manifest else deployment_from_database(conn))


def report(cfg: configs.IndexerConfig, make: MakeReport) -> Report:
    """Open the database `cfg` names, build one report and close it; a database that fails is one line."""
    manifest = manifests.load(Path(cfg.deployment)) if cfg.deployment else None
    engine = engines.make_engine(cfg.database_url, must_exist=True, schema=cfg.schema)
    try:
        return read(engine, make, manifest)
    except OperationalError as exc:
        raise FlywheelError(f"cannot read the database at {engines.safe(engine.url)}: {engines.reason(exc)}") from None
    finally:
        engine.dispose()
