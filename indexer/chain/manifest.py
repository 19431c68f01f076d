"""The deployment manifest: what every command reads instead of loose addresses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import msgspec
from eth_utils import is_address, to_checksum_address
from msgspec import Meta

from indexer import atomic, structs, userfiles
from indexer.chain.epochs import Epochs
from indexer.chain.system import KEYS
from indexer.errors import FlywheelError

VERSION = 1


class _Parameters(msgspec.Struct):
    """The deployment's parameters as the manifest records them (amounts may be decimal text)."""

    genesis: int
    epoch_length: Annotated[int, Meta(gt=0)]
    initial_emission: int
    decay_bps: int
    decay_period: int
    max_supply: int
    fee_bps: int
    root_delay: int
    max_price_age: int



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


NotNegative = Annotated[int, Meta(ge=0)]
_Contracts = msgspec.defstruct("Contracts", [(key, str) for key in KEYS])


class _File(msgspec.Struct):
    """A manifest file as `save` writes it. Fields a later version adds are ignored, as are contracts not in `indexer.chain.system.KEYS`."""

    chain_id: NotNegative
    deploy_block: NotNegative
    contracts: _Contracts
    parameters: _Parameters
    payment_decimals: NotNegative
    version: int = VERSION
    roles: dict[str, Any] | None = None
    payment_token_is_mock: bool = False


_NOUNS = {"contracts": "contract ", "parameters": "parameter ", "roles": "role "}


def _words(p: structs.Problem) -> str:
    if not p.path:
        return "not a JSON object"
    if p.kind == "missing":
        return f"missing {_NOUNS[p.path[0]] if len(p.path) > 1 else ''}{p.key!r}"
    if p.path == ("version",):
        return f"unsupported version {p.value!r}"
    if p.path[0] in ("chain_id", "deploy_block", "payment_decimals"):
        return f"{p.key!r} is not a non-negative integer"
    if len(p.path) == 1:
        return f"{p.key!r} is not an object" if p.key in _NOUNS else f"{p.key!r} {p.rule}"
    if p.path[0] == "parameters":
        return f"{p.key} {p.rule}" if p.kind == "bounds" else f"parameter {p.key!r} is not an integer"
    return f"contract {p.key!r} is not an address"


def from_json(data: object, path: Path = Path("<manifest>")) -> Manifest:
    what = f"manifest {path}"
    if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
        data = {**data, "parameters": structs.ints_from_text(data["parameters"], _Parameters)}
    f = structs.convert(data, _File, what, _words)
    if f.version != VERSION:
        raise FlywheelError(f"{what}: unsupported version {f.version!r}")
    contracts, roles = msgspec.structs.asdict(f.contracts), f.roles or {}
    for noun, addresses in (("contract", contracts), ("role", roles)):
        for key, value in addresses.items():
            if not (isinstance(value, str) and is_address(value)):
                raise FlywheelError(f"{what}: {noun} {key!r} is not an address")
    return Manifest(
        chain_id=f.chain_id,
        deploy_block=f.deploy_block,
        contracts={k: to_checksum_address(v) for k, v in contracts.items()},
        parameters=msgspec.structs.asdict(f.parameters),
        payment_decimals=f.payment_decimals,
        roles={k: to_checksum_address(v) for k, v in roles.items()},
        payment_token_is_mock=f.payment_token_is_mock,
    )


def load(path: Path) -> Manifest:
    return from_json(userfiles.json_file(path, "manifest"), path)


def save(manifest: Manifest, path: Path, force: bool = False) -> None:
    """Write atomically: a reader never sees half a manifest."""
    if path.exists() and not force:
        raise FlywheelError(f"{path} already exists: pass --force to overwrite it")
    atomic.write(path, json.dumps(manifest.to_json(), indent=2) + "\n")
