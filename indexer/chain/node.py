"""Connect to a JSON-RPC node with web3.py, turning every way that can go wrong into one line."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from web3 import Web3

from indexer.errors import FlywheelError

TIMEOUT = 10


def redact(url: str) -> str:
    """The URL without credentials, path or query: hosted nodes carry API keys in any of them
    (`https://eth-mainnet.g.alchemy.com/v2/KEY`, `https://mainnet.infura.io/v3/KEY`, `?apikey=`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    hidden = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{hidden}" if parts.scheme else "<invalid URL>"


def probe_chain_id(url: str, timeout: float = TIMEOUT) -> int:
    """Ask the node for its chain id; any answer that is not a JSON-RPC chain id is an error."""
    shown = redact(url)
    if urlsplit(url).scheme not in ("http", "https"):
        raise FlywheelError(f"RPC URL must be http:// or https://: {shown}")
    try:
        reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=timeout)
    except requests.Timeout:
        raise FlywheelError(f"RPC node at {shown} did not answer within {timeout}s") from None
    except requests.RequestException:
        raise FlywheelError(f"cannot reach an RPC node at {shown}") from None
    try:
        result = reply.json()["result"]
        return int(result, 16)
    except (ValueError, KeyError, TypeError):
        raise FlywheelError(f"{shown} did not answer eth_chainId like a JSON-RPC node (HTTP {reply.status_code})") from None


def connect(url: str, expect_chain_id: int | None = None) -> tuple[Web3, int]:
    chain_id = probe_chain_id(url)
    if expect_chain_id is not None and chain_id != expect_chain_id:
        raise FlywheelError(f"chain id mismatch: the node at {redact(url)} is chain {chain_id}, the deployment is on chain {expect_chain_id}")
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": TIMEOUT}))
    return w3, chain_id


def require_code(w3: Web3, contracts: dict[str, str]) -> None:
    for name, address in contracts.items():
        if len(w3.eth.get_code(address)) == 0:
            raise FlywheelError(f"no contract code at {name} address {address} on this chain")
