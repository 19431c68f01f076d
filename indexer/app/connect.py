"""Which node a command talks to, and the line that says so before anything is sent."""

from __future__ import annotations

from pathlib import Path

from indexer.chain import anvil
from indexer.chain.contracts import Deployment, open_deployment
from indexer.chain.manifest import load
from indexer.chain.rpc import redact


def node_url(rpc_url: str | None, chain_id: int | None = None) -> str:
    """`--rpc-url`, or the one local chain on `chain_id` that `flywheel chain up` started."""
    return rpc_url or anvil.default_rpc_url(chain_id)


def chain_line(url: str, chain_id: int) -> str:
    """Where transactions go, the URL redacted: said first, so a person can stop one pointed at the wrong chain."""
    return f"chain {chain_id} at {redact(url)}"


def reach(rpc_url: str | None, deployment: Path) -> tuple[str, Deployment]:
    """The node's URL and the deployment on it: the manifest read, the chain id and the contracts' code checked."""
    url = node_url(rpc_url, load(deployment).chain_id)
    return url, open_deployment(url, deployment)
