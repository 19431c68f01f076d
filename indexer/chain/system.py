"""The Flywheel system, declared once: its contracts, how they are created and wired, who holds which role, and
the events the indexer stores.

Everything else derives from this module. `flywheel deploy` turns `CONTRACTS` and `WIRING` into its journaled
steps, the titanoboa fixtures of the contract tests create and wire the same system from the same lists, the
manifest's contract keys and the web3 bindings come from `CONTRACTS`, and the database schema and the log
decoders come from `EVENTS`.

Facts that the contracts themselves state are read from them rather than typed again here: an event's fields,
their types and which are indexed come from the compiled ABI, and a role's id from its declaration in
`contracts/roles.vy`. What is written here is what the contracts cannot say: which manifest key a contract
answers to, the order of creation, the constructor arguments taken from the deployment parameters, the wiring
calls, and for each stored event its table name, the columns the reports look rows up by, and what each
uint256 field measures (its unit: an ABI says `uint256` for an epoch, a count and an amount alike).

Adding an event therefore means emitting it in its contract, adding one `Event` line here and generating a
migration; the table, the decoder, the topic filter and the column check of `tests/db` follow.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import rlp
from eth_utils import keccak, to_checksum_address

from indexer.errors import FlywheelError
from indexer.paths import CONTRACTS_DIR

if TYPE_CHECKING:
    from indexer.chain.params import Params  # genesis resolved

Addresses = dict[str, str]  # manifest key -> address
Holders = dict[str, str]  # role holder name ("admin", "reporter", "guardian", "treasury") -> address


# --- contracts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    key: str  # the manifest's name for it
    source: str  # contracts/<source>.vy
    constructor: Callable[[Params, Addresses, Holders], tuple] = lambda p, a, h: ()
    mock: bool = False  # created only on a local chain whose parameters name no existing contract for `key`
    reads: bool = False  # its constructor reads the contracts before it, so it is estimated only once they exist


# In creation order. A constructor takes addresses created before it, except the token's: it names its minter, the
# distributor, created right after it, whose address `ahead` foresees from the deployer's nonce.
CONTRACTS: tuple[Contract, ...] = (
    Contract("payment_token", "MockUSD", mock=True),
    Contract("price_feed", "PriceFeed", lambda p, a, h: (p.genesis, p.epoch_length)),
    Contract("node_registry", "NodeRegistry", lambda p, a, h: (p.genesis, p.epoch_length)),
    Contract("payment_gateway", "PaymentGateway", lambda p, a, h: (
        a["payment_token"], h["treasury"], p.fee_bps, p.genesis, p.epoch_length)),
    Contract("network_token", "NetworkToken", lambda p, a, h: (
        p.token_name, p.token_symbol, p.max_supply, a["reward_distributor"])),
    Contract("reward_distributor", "RewardDistributor", lambda p, a, h: (
        a["network_token"], a["payment_token"], a["payment_gateway"], a["price_feed"], p.genesis, p.epoch_length,
        p.initial_emission, p.decay_bps, p.decay_period, p.max_supply, p.root_delay, p.max_price_age), reads=True),
)
KEYS: tuple[str, ...] = tuple(c.key for c in CONTRACTS)
SOURCE: dict[str, str] = {c.key: c.source for c in CONTRACTS}  # manifest key -> contract name
SOURCES: tuple[str, ...] = tuple(c.source for c in CONTRACTS)  # every contract the build compiles
READS: dict[str, bool] = {c.key: c.reads for c in CONTRACTS}


def created_address(sender: str, nonce: int) -> str:
    """Where a creation sent by `sender` with `nonce` puts its contract: keccak(rlp([sender, nonce]))[12:]."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


def ahead(keys: list[str], deployer: str, nonce: int) -> Addresses:
    """Where the contracts of `keys` will be when `deployer` creates them in this order, one transaction each,
    from `nonce` on. A constructor may name a contract created after it (the token names the distributor) only
    because of this, so the creations must go out back to back: the distributor refuses a token naming another."""
    return {key: created_address(deployer, nonce + i) for i, key in enumerate(keys)}


# --- roles ---------------------------------------------------------------------------------

_ROLE_LINE = re.compile(r'^(\w+_ROLE): constant\(bytes32\) = keccak256\("([^"]+)"\)', re.MULTILINE)


@functools.cache
def _declared_roles() -> dict[str, bytes]:
    """contracts/roles.vy's constants, hashed as the compiler hashes them."""
    text = (CONTRACTS_DIR / "roles.vy").read_text()
    found = {name: keccak(text=preimage) for name, preimage in _ROLE_LINE.findall(text)}
    if not found:
        raise FlywheelError(f"no role constants found in {CONTRACTS_DIR / 'roles.vy'}")
    return found


def role_id(holder: str) -> bytes:
    """The id of the role a holder name stands for: snekmate's DEFAULT_ADMIN_ROLE (zero) for "admin",
    else the `<HOLDER>_ROLE` constant of roles.vy."""
    if holder == "admin":
        return bytes(32)
    return _declared_roles()[f"{holder.upper()}_ROLE"]


ROLE_HOLDERS = ("admin", "reporter", "guardian")  # holder names with an access-control role


# --- wiring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One wiring call, and the view that shows its effect (to settle a call whose answer was lost)."""

    key: str
    fn: str
    args: Callable[[Addresses, Holders], tuple]
    check: str  # a view function of the same contract
    check_args: Callable[[Addresses, Holders], tuple]
    expect: Callable[[Any, Addresses, Holders], bool]  # (the view's answer) -> the call took effect
    label: str = ""  # how the call is named in the deploy journal; default "<Source>.<fn>"

    @property
    def name(self) -> str:
        return self.label or f"{SOURCE[self.key]}.{self.fn}"


def _same(x: object, y: str) -> bool:
    return str(x).lower() == y.lower()


def _grant(key: str, holder: str) -> Call:
    role = f"{holder.upper()}_ROLE"
    return Call(key, "grantRole", lambda a, h: (role_id(holder), h[holder]), "hasRole",
                lambda a, h: (role_id(holder), h[holder]), lambda ok, a, h: bool(ok),
                f"{SOURCE[key]}.grantRole({role})")


WIRING: tuple[Call, ...] = (
    Call("payment_gateway", "set_distributor", lambda a, h: (a["reward_distributor"],),
         "distributor", lambda a, h: (), lambda d, a, h: _same(d, a["reward_distributor"])),
    _grant("price_feed", "reporter"),
    _grant("reward_distributor", "reporter"),
    _grant("reward_distributor", "guardian"),
    _grant("payment_gateway", "guardian"),
)


# --- events --------------------------------------------------------------------------------


# What a uint256 field measures. The database's `_v` views show each in these terms (`indexer.db.views`), and the
# README's table of columns says so.
INTEGER = "integer"  # an epoch number or a count: fits a 64-bit SQL INTEGER
NETWORK_TOKEN = "network token"  # base units of the network token (18 decimals)
PAYMENT_TOKEN = "payment token"  # base units of the deployment's payment token (its decimals are in the manifest)
PRICE = "price"  # USD per whole network token, 8 decimals
TOKEN_OF_CONTRACT = "token of contract"  # base units of the token whose contract logged it (an ERC-20 Transfer)
UNITS = (INTEGER, NETWORK_TOKEN, PAYMENT_TOKEN, PRICE, TOKEN_OF_CONTRACT)

_AMOUNTS = {"subsidy": NETWORK_TOKEN, "revenue": PAYMENT_TOKEN}  # a claim's, a recipient's and an epoch's alike


@dataclass(frozen=True)
class Event:
    table: str  # snake_case of the event name
    event: str  # the ABI event name
    sources: tuple[str, ...]  # manifest keys of the contracts whose logs are stored
    lookups: tuple[str, ...]  # columns the reports filter and group by: each gets an index
    units: tuple[tuple[str, str], ...] = ()  # (field, unit) for every uint256 field; `layout` refuses one missing


def _units(**units: str) -> tuple[tuple[str, str], ...]:
    return tuple(units.items())


EVENTS: tuple[Event, ...] = (
    Event("payment_received", "PaymentReceived", ("payment_gateway",), ("epoch", "customer"),
          _units(epoch=INTEGER, amount=PAYMENT_TOKEN, fee=PAYMENT_TOKEN)),
    Event("epoch_finalized", "EpochFinalized", ("reward_distributor",), ("epoch",),
          _units(epoch=INTEGER, **_AMOUNTS, work_units=INTEGER, contributors=INTEGER, price=PRICE)),
    Event("reward_claimed", "RewardClaimed", ("reward_distributor",), ("account",), _units(**_AMOUNTS)),
    Event("root_revoked", "RootRevoked", ("reward_distributor",), ("epoch",), _units(epoch=INTEGER)),
    Event("reward_recipient", "RewardRecipient", ("reward_distributor",), ("account", "recipient"), _units(**_AMOUNTS)),
    Event("swept", "Swept", ("reward_distributor",), ("receiver",), _units(amount=PAYMENT_TOKEN)),
    Event("finalization_paused", "FinalizationPaused", ("reward_distributor",), ()),
    Event("finalization_unpaused", "FinalizationUnpaused", ("reward_distributor",), ()),
    Event("node_registered", "NodeRegistered", ("node_registry",), ("owner", "epoch"), _units(epoch=INTEGER)),
    Event("node_retired", "NodeRetired", ("node_registry",), ("owner", "epoch"), _units(epoch=INTEGER)),
    Event("price_updated", "PriceUpdated", ("price_feed",), ("epoch",), _units(epoch=INTEGER, price=PRICE)),
    Event("transfer", "Transfer", ("network_token", "payment_token"), ("sender", "receiver"),
          _units(value=TOKEN_OF_CONTRACT)),
)


@dataclass(frozen=True)
class Field:
    name: str  # the ABI name, which is already snake_case, and the column's
    kind: str  # "address", "uint256" or "bytes32": the only static types the events use
    indexed: bool
    unit: str | None = None  # one of UNITS for a uint256 field, else None


@dataclass(frozen=True)
class EventLayout:
    """An `Event` with what the compiled ABI says of it."""

    table: str
    event: str
    signature: str  # Name(type,...), whose keccak is topic0
    source: tuple[str, ...]
    fields: tuple[Field, ...]
    lookups: tuple[str, ...]


KINDS = ("address", "uint256", "bytes32")


def layout(event: Event, abi: list[dict]) -> EventLayout:
    """The event's fields as `abi` (the ABI of a contract that emits it) declares them."""
    found = [e for e in abi if e.get("type") == "event" and e.get("name") == event.event]
    if len(found) != 1:
        raise FlywheelError(f"{event.event} is declared {len(found)} times in the ABI of {event.sources[0]}")
    units = dict(event.units)
    fields = tuple(Field(i["name"], i["type"], bool(i["indexed"]), units.get(i["name"])) for i in found[0]["inputs"])
    for f in fields:
        if f.kind not in KINDS or f.name != f.name.lower():
            raise FlywheelError(f"{event.event}.{f.name}: the indexer stores only {', '.join(KINDS)} fields "
                                "with snake_case names")
        if (f.kind == "uint256") != (f.unit is not None):
            raise FlywheelError(f"{event.event}.{f.name}: a unit is declared for each uint256 field and no other "
                                f"(one of {', '.join(UNITS)})")
    stray = set(units) - {f.name for f in fields} or {u for u in units.values() if u not in UNITS}
    if stray:
        raise FlywheelError(f"{event.event}: units declared for no field, or no such unit: {', '.join(sorted(stray))}")
    signature = f"{event.event}({','.join(f.kind for f in fields)})"
    return EventLayout(event.table, event.event, signature, event.sources, fields, event.lookups)


def layouts(abis: dict[str, list[dict]]) -> tuple[EventLayout, ...]:
    """Every stored event's layout, from the ABIs by contract name. Events stored from several contracts (the
    ERC-20 Transfer) must be declared alike by each."""
    out = []
    for event in EVENTS:
        each = {layout(event, abis[SOURCE[key]]) for key in event.sources}
        if len(each) != 1:
            raise FlywheelError(f"{event.event} is declared differently by {', '.join(event.sources)}")
        out.append(each.pop())
    return tuple(out)
