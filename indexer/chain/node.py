"""Connect to a JSON-RPC node, turning every way that can go wrong into one line.

web3.py is kept for what it does well (contract ABIs, encoding, decoding),
but its requests go through `NodeClient` like everything else, by way of a
provider: one transport, one set of retries, one redaction of the URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from eth_utils import keccak
from web3 import Web3
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from indexer.chain.manifest import Manifest
from indexer.chain.rpc import NodeClient, NodeError, RpcAnswerError, redact
from indexer.errors import FlywheelError

TIMEOUT = 10


class Web3Provider(JSONBaseProvider):
    """web3's requests, sent by a `NodeClient`; the node's JSON-RPC errors go back to web3 as they came,
    so it raises its own revert errors with their reasons."""

    def __init__(self, client: NodeClient) -> None:
        super().__init__()
        self.client = client

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        try:
            return {"jsonrpc": "2.0", "id": 0, "result": self.client.call(method, *params)}
        except RpcAnswerError as exc:
            return {"jsonrpc": "2.0", "id": 0, "error": exc.error}

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def client(url: str, timeout: float = TIMEOUT, retries: int = 3) -> NodeClient:
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        hint = f" (did you mean http://{url.split('/', 1)[0]}?)" if "://" not in url else ""
        raise FlywheelError(f"RPC URL must start with http:// or https://{hint}")
    return NodeClient(url, timeout=timeout, retries=retries)


def probe_chain_id(url: str, timeout: float = TIMEOUT) -> int:
    """Ask the node for its chain id; any answer that is not a JSON-RPC chain id is an error."""
    shown = redact(url)
    try:
        return client(url, timeout, retries=1).chain_id()
    except NodeError as exc:
        if exc.unreadable:
            raise FlywheelError(f"{shown} did not answer eth_chainId like a JSON-RPC node") from None
        raise FlywheelError(f"cannot reach an RPC node at {shown}: {str(exc).split('kept failing ', 1)[-1]}") from None
    except (RpcAnswerError, ValueError, TypeError):
        raise FlywheelError(f"{shown} did not answer eth_chainId like a JSON-RPC node") from None


def connect(url: str, expect_chain_id: int | None = None) -> tuple[Web3, int]:
    """web3 on the node at `url` (checked to be on `expect_chain_id`), and the chain id."""
    chain_id = probe_chain_id(url)
    if expect_chain_id is not None and chain_id != expect_chain_id:
        raise FlywheelError(f"chain id mismatch: the node at {redact(url)} is chain {chain_id}, the deployment is on chain {expect_chain_id}")
    return Web3(Web3Provider(client(url))), chain_id


def rpc_of(w3: Web3) -> NodeClient:
    """The transport under a `connect`ed web3."""
    provider = w3.provider
    if not isinstance(provider, Web3Provider):
        raise TypeError("web3 was not made by indexer.chain.node.connect")
    return provider.client


def require_code(rpc: NodeClient, contracts: dict[str, str]) -> None:
    codes = rpc.batch([("eth_getCode", [address, "latest"]) for address in contracts.values()])
    for (name, address), code in zip(contracts.items(), codes):
        if code in (None, "0x", ""):
            raise FlywheelError(f"no contract code at {name} address {address} on this chain")


def require_deployment(rpc: NodeClient, m: Manifest) -> None:
    """The manifest's contracts are on this node, and they are the manifest's own: local chains put every fresh
    deployment at the same addresses, so code alone cannot tell two anvils apart, but the clock's genesis can."""
    require_code(rpc, m.contracts)
    distributor = m.contracts["reward_distributor"]
    calls = [("eth_call", [{"to": distributor, "data": "0x" + keccak(text=f"{name}()")[:4].hex()}, "latest"])
             for name in ("GENESIS", "EPOCH_LENGTH")]
    genesis, length = (int(word, 16) for word in rpc.batch(calls))
    if (genesis, length) != (m.parameters["genesis"], m.parameters["epoch_length"]):
        raise FlywheelError(f"the node at {rpc.shown} has another deployment at the manifest's addresses "
                            f"(genesis {genesis}, not {m.parameters['genesis']}): is --rpc-url the right chain?")
