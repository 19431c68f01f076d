"""Which deployment a database holds, read from the indexer's own state."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from indexer.chain.manifest import from_json
from indexer.db.schema import deployment
from indexer.errors import FlywheelError
from indexer.reports.queries import DeploymentInfo


def info_of(manifest) -> DeploymentInfo:
    p = manifest.parameters
    return DeploymentInfo(manifest.chain_id, p["genesis"], p["epoch_length"], manifest.payment_decimals, manifest.contracts)


def deployment_from_database(conn: Connection) -> DeploymentInfo:
    try:
        rows = conn.execute(select(deployment.c.manifest)).all()
    except Exception:
        raise FlywheelError("the database has no indexer state: run `flywheel index run` first") from None
    if not rows:
        raise FlywheelError("the database holds no indexed deployment yet: run `flywheel index run` first")
    if len(rows) > 1:
        raise FlywheelError(f"the database holds {len(rows)} deployments: pass --deployment MANIFEST to pick one")
    return info_of(from_json(json.loads(rows[0][0])))
