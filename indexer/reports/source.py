"""Which deployment a database holds, read from the indexer's own state."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from indexer.errors import FlywheelError
from indexer.reports.queries import DeploymentInfo


def deployment_from_database(conn: Connection) -> DeploymentInfo:
    raise FlywheelError("this database does not record its deployment: pass --deployment MANIFEST")
