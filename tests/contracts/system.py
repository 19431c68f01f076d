"""The whole contract system deployed in titanoboa's in-process EVM, wired as `flywheel deploy` wires it."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import boa

from indexer.chain import system as declared
from indexer.chain.params import Params as ChainParams
from indexer.paths import CONTRACTS_DIR
from indexer.settle.merkle import Entitlement, EntitlementTree

REPORTER_ROLE = declared.role_id("reporter")
GUARDIAN_ROLE = declared.role_id("guardian")
TOKEN = 10**18
USD = 10**6


@dataclass
class Params:
    epoch_length: int = 3600
    initial_emission: int = 1_000 * TOKEN
    decay_bps: int = 5000
    decay_period: int = 4
    max_supply: int = 10_000 * TOKEN
    fee_bps: int = 500
    root_delay: int = 0
    max_price_age: int = 86_400


@functools.cache
def deployer(name: str):
    # Compiling, even from boa's disk cache, costs far more than deploying, and
    # property tests deploy many times: compile each contract once per session.
    return boa.load_partial(str(CONTRACTS_DIR / f"{name}.vy"))


def load(name: str, *args, sender=None):
    with boa.env.prank(sender) if sender else _null():
        return deployer(name).deploy(*args)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@dataclass
class System:
    admin: str
    reporter: str
    guardian: str
    treasury: str
    genesis: int
    params: Params
    usd: object
    token: object
    feed: object
    registry: object
    gateway: object
    distributor: object

    # --- helpers used by the tests -------------------------------------------------
    def epoch_end(self, epoch: int) -> int:
        return self.genesis + (epoch + 1) * self.params.epoch_length

    def warp_to(self, t: int) -> None:
        now = boa.env.evm.patch.timestamp
        if t > now:
            boa.env.time_travel(seconds=t - now)

    def post_price(self, price: int = 2 * 10**8) -> None:
        with boa.env.prank(self.reporter):
            self.feed.post_price(price)

    def pay(self, customer: str, amount: int, reference: bytes = b"\x00" * 32) -> None:
        with boa.env.prank(customer):
            self.usd.faucet(amount)
            self.usd.approve(self.gateway.address, amount)
            self.gateway.pay(amount, reference)

    def tree(self, entitlements: dict[str, tuple[int, int]]) -> EntitlementTree:
        es = [Entitlement(a, s, r) for a, (s, r) in entitlements.items()]
        return EntitlementTree(boa.env.evm.patch.chain_id, self.distributor.address, es)

    def finalize(self, epoch: int, tree: EntitlementTree, subsidy: int, revenue: int, work_units: int = 1, contributors: int = 1) -> None:
        with boa.env.prank(self.reporter):
            self.distributor.finalize(epoch, tree.root, subsidy, revenue, work_units, contributors)

    def claim(self, tree: EntitlementTree, account: str, sender: str | None = None) -> None:
        i = tree.index_of(account)
        e = tree.entitlements[i]
        with boa.env.prank(sender or account):
            self.distributor.claim(e.account, e.cumulative_subsidy, e.cumulative_revenue, tree.proof(i))


def deploy(params: Params | None = None, genesis: int | None = None, payment_token=None) -> System:
    """Create and wire `indexer.chain.system`'s contracts as `flywheel deploy` does, in titanoboa; with
    `payment_token`, around that contract instead of a new MockUSD, as a deployment naming an existing one."""
    params = params or Params()
    holders = {name: boa.env.generate_address(name) for name in ("admin", "reporter", "guardian", "treasury")}
    if genesis is None:
        genesis = boa.env.evm.patch.timestamp
    settings = ChainParams(genesis=genesis, **dataclasses.asdict(params))
    made: dict = {}
    admin = holders["admin"]
    with boa.env.prank(admin):
        if payment_token is not None:
            made["payment_token"] = payment_token
        for i, c in enumerate(declared.CONTRACTS):
            if c.key in made:
                continue
            later = [d.key for d in declared.CONTRACTS[i:] if d.key not in made]
            addresses = declared.ahead(later, admin, boa.env.evm.vm.state.get_nonce(bytes.fromhex(admin[2:])))
            made[c.key] = load(c.source, *c.constructor(settings, addresses | {k: v.address for k, v in made.items()}, holders))
            assert made[c.key].address == addresses[c.key]
        addresses = {k: v.address for k, v in made.items()}
        for call in declared.WIRING:
            getattr(made[call.key], call.fn)(*call.args(addresses, holders))
    return System(holders["admin"], holders["reporter"], holders["guardian"], holders["treasury"], genesis, params,
                  made["payment_token"], made["network_token"], made["price_feed"], made["node_registry"],
                  made["payment_gateway"], made["reward_distributor"])
