"""Deployment parameters: documented defaults for a local demo, overridable from a TOML file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path

from eth_utils import is_address, to_checksum_address

from indexer import userfiles
from indexer.errors import FlywheelError

TOKEN = 10**18
MAX_AMOUNT = 2**112 - 1  # the distributor packs amounts into 112-bit fields


@dataclass(frozen=True)
class Params:
    """What `flywheel deploy` sets up. Amounts are integers in base units."""

    genesis: int | None = None  # Unix time epoch 0 starts; None: the deploy block's time
    epoch_length: int = 3600  # seconds; one-hour epochs suit a demo
    initial_emission: int = 100_000 * TOKEN  # network-token units emitted in epoch 0
    decay_bps: int = 500  # each decay cuts the rate by 5%...
    decay_period: int = 4  # ...every 4 epochs
    max_supply: int = 10_000_000 * TOKEN  # hard cap on the network token
    fee_bps: int = 500  # protocol fee on payments, to the treasury
    root_delay: int = 0  # seconds before a new root can be claimed against
    max_price_age: int = 86_400  # finalize refuses a price older than this
    token_name: str = "Flywheel Network Token"
    token_symbol: str = "FLY"
    payment_token: str | None = None  # an existing stablecoin; None: deploy MockUSD (local chains only)
    treasury: str | None = None  # None: dev account 1 on a local chain, else the deployer
    reporter: str | None = None  # None: the deployer
    guardian: str | None = None  # None: the deployer

    def to_manifest(self) -> dict:
        return {
            "genesis": self.genesis,
            "epoch_length": self.epoch_length,
            "initial_emission": str(self.initial_emission),
            "decay_bps": self.decay_bps,
            "decay_period": self.decay_period,
            "max_supply": str(self.max_supply),
            "fee_bps": self.fee_bps,
            "root_delay": self.root_delay,
            "max_price_age": self.max_price_age,
        }


_INT_FIELDS = {f.name for f in fields(Params) if f.type in ("int", "int | None")}
_ADDRESS_FIELDS = {"payment_token", "treasury", "reporter", "guardian"}


def _as_int(key: str, value: object) -> int:
    if isinstance(value, bool):
        raise FlywheelError(f"params: {key} must be an integer, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.replace("_", "").isdigit():
        return int(value.replace("_", ""))
    raise FlywheelError(f"params: {key} must be an integer, not {value!r}")


def _check(p: Params) -> Params:
    rules = [
        (p.epoch_length > 0, "epoch_length must be positive"),
        (p.decay_period > 0, "decay_period must be positive"),
        (0 <= p.decay_bps <= 10_000, "decay_bps must be between 0 and 10000"),
        (0 <= p.fee_bps <= 10_000, "fee_bps must be between 0 and 10000"),
        (0 < p.max_supply <= MAX_AMOUNT, f"max_supply must be between 1 and {MAX_AMOUNT}"),
        (0 <= p.initial_emission <= p.max_supply, "initial_emission must be between 0 and max_supply"),
        (p.root_delay >= 0, "root_delay must not be negative"),
        (p.max_price_age > 0, "max_price_age must be positive"),
        (p.genesis is None or p.genesis >= 0, "genesis must not be negative"),
        (0 < len(p.token_name) <= 25, "token_name must be 1 to 25 characters"),
        (0 < len(p.token_symbol) <= 5, "token_symbol must be 1 to 5 characters"),
    ]
    for ok, message in rules:
        if not ok:
            raise FlywheelError(f"params: {message}")
    return p


def parse(data: dict) -> Params:
    """Validate a mapping of overrides (from TOML) onto the defaults."""
    known = {f.name for f in fields(Params)}
    values: dict[str, object] = {}
    for key, value in data.items():
        if key not in known:
            raise FlywheelError(f"params: unknown key {key!r} (known: {', '.join(sorted(known))})")
        if key in _INT_FIELDS:
            values[key] = _as_int(key, value)
        elif key in _ADDRESS_FIELDS:
            if not isinstance(value, str) or not is_address(value):
                raise FlywheelError(f"params: {key} is not an address: {value!r}")
            values[key] = to_checksum_address(value)
        elif not isinstance(value, str):
            raise FlywheelError(f"params: {key} must be a string")
        else:
            values[key] = value
    return _check(dataclasses.replace(Params(), **values))


def load(path: Path | None) -> Params:
    if path is None:
        return Params()
    return parse(userfiles.toml(path, "params"))
