"""Deployment parameters: documented defaults for a local demo, overridable from a TOML file.

Two parameters depend on the chain they are deployed to, so a file may leave
them unset and `resolve` fills them in at deploy time from the chain's id and
its latest block's time. `genesis` defaults to that time. `root_delay`
defaults to 0 on the local chain, so that a demo claims at once, and to a
quarter of an epoch elsewhere, where it must be positive: a root with no
delay takes effect in the block it is posted, so a wrong one could pay out
every unclaimed balance before anyone can revoke it. A delay is also less
than an epoch everywhere, because each finalization waits out the previous
root's delay: at an epoch or more, finalizing falls behind by more with
every epoch.

`resolve` also bounds `genesis` against the chain's time. The contracts take
payments only in epochs below `MAX_EPOCHS`, so a genesis so far back that the
chain is already past them would deploy a system in which every payment is
refused from the first block; one more than a year ahead is far more likely
a mistake (milliseconds for seconds) than a plan.
"""

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
MAX_EPOCHS = 100_000  # contracts/epoch_clock.vy's MAX_EPOCHS: no payment is taken in a later epoch
MAX_GENESIS_AHEAD = 365 * 86_400  # seconds a genesis may lie ahead of the chain's time
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
    # Seconds before a new root can be claimed against, less than epoch_length; None: 0 on the local chain, else
    # epoch_length // 4 (see `resolve`)
    root_delay: Annotated[int, Meta(ge=0)] | None = None
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
    if p.root_delay is not None and p.root_delay >= p.epoch_length:
        raise FlywheelError(f"params: root_delay must be between 0 and {p.epoch_length - 1}, less than epoch_length: "
                            "each epoch is finalized only after the previous root's delay")
    addresses = {}
    for key in _ADDRESS_FIELDS:
        value = getattr(p, key)
        if value is not None:
            if not is_address(value):
                raise FlywheelError(f"params: {key} is not an address: {value!r}")
            addresses[key] = to_checksum_address(value)
    return msgspec.structs.replace(p, **addresses)


def resolve(p: Params, *, local: bool, now: int) -> Params:
    """The parameters to deploy on a chain whose latest block has time `now` (`local`: the local anvil chain), with
    `genesis` and `root_delay` filled in, and refused where they do not fit that chain."""
    genesis = now if p.genesis is None else p.genesis
    root_delay = p.root_delay
    if root_delay is None:
        root_delay = 0 if local else p.epoch_length // 4
    if root_delay == 0 and not local:
        raise FlywheelError(f"params: root_delay must be between 1 and {p.epoch_length - 1} off the local chain: "
                            "a root with no delay takes effect at once and cannot be revoked")
    earliest = max(0, now - MAX_EPOCHS * p.epoch_length + 1)
    latest = now + MAX_GENESIS_AHEAD
    if not earliest <= genesis <= latest:
        raise FlywheelError(f"params: genesis must be between {earliest} and {latest} (the chain's time is {now}): "
                            f"no later than a year ahead, and recent enough that epoch {MAX_EPOCHS}, "
                            "from which the contracts refuse payments, has not begun")
    return msgspec.structs.replace(p, genesis=genesis, root_delay=root_delay)


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
