"""Deployment parameters: documented defaults for a local demo, overridable from a TOML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
from eth_utils import is_address, to_checksum_address
from msgspec import Meta

from indexer import structs, userfiles
from indexer.errors import FlywheelError

TOKEN = 10**18
MAX_AMOUNT = 2**112 - 1  # the distributor packs amounts into 112-bit fields
BPS = Annotated[int, Meta(ge=0, le=10_000)]


class Params(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What `flywheel deploy` sets up. Amounts are integers in base units; in the file, any integer may be
    written as decimal text ("5000000000000000000000"), which is read exactly."""

    genesis: Annotated[int, Meta(ge=0)] | None = None  # Unix time epoch 0 starts; None: the deploy block's time
    epoch_length: Annotated[int, Meta(gt=0)] = 3600  # seconds; one-hour epochs suit a demo
    initial_emission: int = 100_000 * TOKEN  # network-token units emitted in epoch 0; 0 to max_supply
    decay_bps: BPS = 500  # each decay cuts the rate by 5%...
    decay_period: Annotated[int, Meta(gt=0)] = 4  # ...every 4 epochs
    max_supply: int = 10_000_000 * TOKEN  # hard cap on the network token; 1 to MAX_AMOUNT (past msgspec's bounds)
    fee_bps: BPS = 500  # protocol fee on payments, to the treasury
    root_delay: Annotated[int, Meta(ge=0)] = 0  # seconds before a new root can be claimed against
    max_price_age: Annotated[int, Meta(gt=0)] = 86_400  # finalize refuses a price older than this
    token_name: Annotated[str, Meta(min_length=1, max_length=25)] = "Flywheel Network Token"
    token_symbol: Annotated[str, Meta(min_length=1, max_length=5)] = "FLY"
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


_ADDRESS_FIELDS = ("payment_token", "treasury", "reporter", "guardian")


def _check(p: Params) -> Params:
    """What msgspec's bounds cannot say: bounds past 64 bits and between fields, and checksummed addresses."""
    if not 0 < p.max_supply <= MAX_AMOUNT:
        raise FlywheelError(f"params: max_supply must be between 1 and {MAX_AMOUNT}")
    if not 0 <= p.initial_emission <= p.max_supply:
        raise FlywheelError("params: initial_emission must be between 0 and max_supply")
    addresses = {}
    for key in _ADDRESS_FIELDS:
        value = getattr(p, key)
        if value is not None:
            if not is_address(value):
                raise FlywheelError(f"params: {key} is not an address: {value!r}")
            addresses[key] = to_checksum_address(value)
    return msgspec.structs.replace(p, **addresses)


def _words(p: structs.Problem) -> str:
    if p.kind == "type" and p.key in _ADDRESS_FIELDS:
        return f"{p.key} is not an address: {p.value!r}"
    return structs.plain_words(p)


def parse(data: dict) -> Params:
    """Validate a mapping of overrides (from TOML) onto the defaults."""
    return _check(structs.convert(structs.ints_from_text(data, Params), Params, "params", _words))


def load(path: Path | None) -> Params:
    if path is None:
        return Params()
    return parse(userfiles.toml(path, "params"))
