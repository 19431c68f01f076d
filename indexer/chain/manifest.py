"""The deployment manifest: what every command reads instead of loose addresses."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import is_address, to_checksum_address

from indexer import userfiles
from indexer.chain.epochs import Epochs
from indexer.errors import FlywheelError

VERSION = 1
CONTRACT_KEYS = (
    "network_token",
    "payment_token",
    "payment_gateway",
    "reward_distributor",
    "node_registry",
    "price_feed",
)
PARAM_KEYS = (
    "genesis",
    "epoch_length",
    "initial_emission",
    "decay_bps",
    "decay_period",
    "max_supply",
    "fee_bps",
    "root_delay",
    "max_price_age",
)


@dataclass(frozen=True)
class Manifest:
    chain_id: int
    deploy_block: int
    contracts: dict[str, str]
    parameters: dict[str, int]
    payment_decimals: int
    roles: dict[str, str] = field(default_factory=dict)
    payment_token_is_mock: bool = False

    @property
    def epochs(self) -> Epochs:
        return Epochs(self.parameters["genesis"], self.parameters["epoch_length"])

    def to_json(self) -> dict:
        params = dict(self.parameters)
        for key in ("initial_emission", "max_supply"):
            params[key] = str(params[key])  # uint256 stays exact for JSON readers of any language
        return {
            "version": VERSION,
            "chain_id": self.chain_id,
            "deploy_block": self.deploy_block,
            "contracts": self.contracts,
            "parameters": params,
            "payment_decimals": self.payment_decimals,
            "payment_token_is_mock": self.payment_token_is_mock,
            "roles": self.roles,
        }


def _require(cond: bool, path: Path, message: str) -> None:
    if not cond:
        raise FlywheelError(f"manifest {path}: {message}")


def from_json(data: object, path: Path = Path("<manifest>")) -> Manifest:
    _require(isinstance(data, dict), path, "not a JSON object")
    assert isinstance(data, dict)
    for key in ("chain_id", "deploy_block", "contracts", "parameters", "payment_decimals"):
        _require(key in data, path, f"missing {key!r}")
    _require(data.get("version", VERSION) == VERSION, path, f"unsupported version {data.get('version')!r}")
    contracts = data["contracts"]
    _require(isinstance(contracts, dict), path, "'contracts' is not an object")
    for key in CONTRACT_KEYS:
        _require(key in contracts, path, f"missing contract {key!r}")
        _require(isinstance(contracts[key], str) and is_address(contracts[key]), path, f"contract {key!r} is not an address")
    params = data["parameters"]
    _require(isinstance(params, dict), path, "'parameters' is not an object")
    parsed: dict[str, int] = {}
    for key in PARAM_KEYS:
        _require(key in params, path, f"missing parameter {key!r}")
        value = params[key]
        ok = isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.isdigit()
        _require(ok, path, f"parameter {key!r} is not an integer")
        parsed[key] = int(value)
    for key in ("chain_id", "deploy_block", "payment_decimals"):
        _require(isinstance(data[key], int) and not isinstance(data[key], bool) and data[key] >= 0, path, f"{key!r} is not a non-negative integer")
    _require(parsed["epoch_length"] > 0, path, "epoch_length must be positive")
    return Manifest(
        chain_id=data["chain_id"],
        deploy_block=data["deploy_block"],
        contracts={k: to_checksum_address(contracts[k]) for k in CONTRACT_KEYS},
        parameters=parsed,
        payment_decimals=data["payment_decimals"],
        roles={k: to_checksum_address(v) for k, v in (data.get("roles") or {}).items()},
        payment_token_is_mock=bool(data.get("payment_token_is_mock", False)),
    )


def load(path: Path) -> Manifest:
    return from_json(userfiles.json_file(path, "manifest"), path)


def save(manifest: Manifest, path: Path, force: bool = False) -> None:
    """Write atomically: a reader never sees half a manifest."""
    if path.exists() and not force:
        raise FlywheelError(f"{path} already exists: pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest.to_json(), indent=2) + "\n")
    tmp.replace(path)
