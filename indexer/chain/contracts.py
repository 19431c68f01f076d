"""Bound web3 contract objects for a deployment."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3
from web3.contract import Contract

from indexer.chain.build import Artifact, build
from indexer.chain import manifest as manifests
from indexer.chain.manifest import Manifest
from indexer.chain.node import connect, require_deployment, rpc_of
from indexer.chain.rpc import NodeClient
from indexer.chain.system import SOURCE



@dataclass
class Deployment:
    w3: Web3
    manifest: Manifest
    rpc: NodeClient  # the transport under w3, for raw calls and transactions
    network_token: Contract
    payment_token: Contract
    payment_gateway: Contract
    reward_distributor: Contract
    node_registry: Contract
    price_feed: Contract


def bind(w3: Web3, manifest: Manifest, artifacts: dict[str, Artifact] | None = None) -> Deployment:
    artifacts = artifacts or build()
    handles = {
        key: w3.eth.contract(address=manifest.contracts[key], abi=artifacts[source].abi)
        for key, source in SOURCE.items()
    }
    return Deployment(w3=w3, manifest=manifest, rpc=rpc_of(w3), **handles)


def open_deployment(rpc_url: str, manifest_path) -> Deployment:
    """Load a manifest, check the node is on its chain and its contracts exist, and bind them."""
    m = manifests.load(manifest_path)
    w3, _ = connect(rpc_url, expect_chain_id=m.chain_id)
    require_deployment(rpc_of(w3), m)
    return bind(w3, m)
