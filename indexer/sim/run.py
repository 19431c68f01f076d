"""Drive a deployment through N epochs of a DePIN network's life.

Contributors join on an adoption curve, register nodes and sometimes retire
them; customers arrive and pay on a logistic demand curve; the reporter posts
a random-walk price and closes every epoch from the nodes' work through the
same settlement code a real network uses; contributors claim every few
epochs; a few wash actors pay for service with money from contributors, or are
contributors themselves. Work is reported per node, as a node-level work file
has it: some nodes sit idle and report nothing, some are flaky (see
`indexer.sim.scenario`); each epoch's `EpochRecord.work` is the work it was
closed on. Every transaction is real. The chain mines only when told, at
timestamps derived from the epoch clock, so the same seed on a fresh chain
gives the same blocks and the same events.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from eth_account import Account
from eth_utils import keccak

from indexer.chain import accounts
from indexer.chain.contracts import Deployment
from indexer.chain.wallet import BlockSubmitter, Encoder, Wallet
from indexer.errors import FlywheelError
from indexer.settle import claim as claiming
from indexer.settle import workfile
from indexer.settle.close import close_epoch
from indexer.settle.nodes import node_id
from indexer.settle.store import SettlementStore
from indexer.settle.workfile import Work, of_nodes
from indexer.sim.scenario import Scenario

GAS = {"faucet": 120_000, "approve": 80_000, "pay": 150_000, "register": 150_000, "retire": 100_000,
       "transfer": 100_000, "post_price": 100_000}
FUNDING = 10_000_000  # whole USD a customer or wash actor takes from the faucet, once
MAX_UINT = 2**256 - 1
ETH_BALANCE = hex(10**24)


@dataclass(frozen=True)
class Node:
    salt: bytes  # what `register` and `retire` take; the registry derives the id from the owner and it
    node_id: str  # the registry's id, as work files name it
    owner: str
    registered_in: int  # the epoch it registered in
    kind: str  # "steady", "idle" (registered, never reports work) or "flaky" (work swinging from epoch to epoch)


@dataclass
class Contributor:
    wallet: Wallet
    nodes: list[Node] = field(default_factory=list)  # registered and not retired
    minted_nodes: int = 0


def claims(account: str, share: float) -> bool:
    """Whether a contributor ever claims: fixed by its address, not drawn, so the knob leaves every other draw of a
    seed as it was. Those who never claim (lost keys, no gas, waiting) leave their rewards owed: the overhang."""
    return keccak(hexstr=account)[0] < share * 256


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    contributors: int
    nodes: int
    customers: int
    payments: int
    wash_payments: int
    price: int  # USD per token, 8 decimals
    subsidy: int  # network-token units allocated
    revenue: int  # payment-token units allocated
    work: Work = field(repr=False)  # the node-level work the epoch was closed on (idle nodes absent)

    def subsidy_usd(self) -> Decimal:
        return Decimal(self.subsidy) * self.price / Decimal(10**26)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _ramp(epoch: int, midpoint: float, steepness: float) -> float:
    """A logistic curve scaled to start at 0 in epoch 0 and approach 1."""
    low = _sigmoid(-steepness * midpoint)
    return (_sigmoid(steepness * (epoch - midpoint)) - low) / (1.0 - low)


class Simulation:
    def __init__(self, d: Deployment, store: SettlementStore, scenario: Scenario, seed: int) -> None:
        self.d = d
        self.rpc = rpc = d.rpc
        self.store = store
        self.s = scenario
        self.rng = random.Random(seed)
        self.seed = seed
        m = d.manifest
        self.epochs = m.epochs
        self.usd_unit = 10**m.payment_decimals
        self.submitter = BlockSubmitter(rpc, m.chain_id)
        self.enc = {name: Encoder(getattr(d, name).abi) for name in ("payment_token", "payment_gateway", "node_registry", "price_feed")}
        self.addr = m.contracts
        self.start_epoch = d.reward_distributor.functions.next_epoch().call()
        self.reporter = self._existing(accounts.signer(m.chain_id))
        self.contributors: list[Contributor] = []
        self.nodes: list[Node] = []  # every node registered, retired ones too
        self.customers: list[Wallet] = []
        self.wash_outsiders: list[Wallet] = []
        self.price = scenario.initial_price_units()
        self.records: list[EpochRecord] = []
        self.clock = rpc.timestamp()
        emission = d.reward_distributor.functions.next_emission().call()
        # The epoch-0 subsidy in USD anchors the demand curve (a model quantity, not an amount on chain).
        self.base_subsidy_usd = emission / 10**18 * self.price / 10**8

    # --- accounts ---------------------------------------------------------------

    def _existing(self, account) -> Wallet:
        return Wallet(account, self.rpc.nonce(account.address))

    def _new_wallets(self, role: str, count: int, offset: int) -> list[Wallet]:
        keys = [keccak(f"flywheel-sim/{self.seed}/{self.start_epoch}/{role}/{offset + i}".encode()) for i in range(count)]
        wallets = [Wallet(Account.from_key(k), 0) for k in keys]
        if wallets:
            self.rpc.batch([("anvil_setBalance", [w.address, ETH_BALANCE]) for w in wallets])
            nonces = self.rpc.batch([("eth_getTransactionCount", [w.address, "pending"]) for w in wallets])
            for w, n in zip(wallets, nonces):
                w.nonce = int(n, 16)
        return wallets

    def _send(self, wallet: Wallet, contract: str, fn: str, *args) -> None:
        self.submitter.submit(wallet, self.addr[contract], self.enc[contract](fn, *args), GAS[fn], f"{fn} by {wallet.address}")

    def _fund_for_payments(self, wallet: Wallet, funder: Wallet | None = None) -> None:
        amount = FUNDING * self.usd_unit
        if funder is None:
            self._send(wallet, "payment_token", "faucet", amount)
        else:
            # Money a contributor hands to an outsider: the link the demand screen must find.
            self._send(funder, "payment_token", "faucet", amount)
            self._send(funder, "payment_token", "transfer", wallet.address, amount)
        self._send(wallet, "payment_token", "approve", self.addr["payment_gateway"], MAX_UINT)

    # --- one epoch ----------------------------------------------------------------

    def _tick(self, at: int) -> int:
        self.clock = max(at, self.clock + 1)
        return self.clock

    def _caught_up(self) -> None:
        """Move the clock to the chain's: a flush mines a block per second from the time it was given, as many
        blocks as its transactions fill, so the next phase must start after the last of them, not at its own
        planned second (a busy phase would otherwise mine a block older than the one before it)."""
        self.clock = max(self.clock, self.rpc.timestamp())

    def _flush(self, at: int) -> None:
        self.submitter.flush(self._tick(at))
        self._caught_up()

    def _register(self, c: Contributor, e: int) -> None:
        c.minted_nodes += 1
        salt = keccak(c.wallet.address.encode() + f"/{self.seed}/{self.start_epoch}/{c.minted_nodes}".encode())
        c.nodes.append(Node(salt, node_id(c.wallet.address, salt), c.wallet.address, e, self._kind(salt)))
        self.nodes.append(c.nodes[-1])
        self._send(c.wallet, "node_registry", "register", salt)

    def _kind(self, salt: bytes) -> str:
        """A node's kind for life, from its salt, so drawing it leaves the other random choices as they were."""
        u = int.from_bytes(keccak(salt + b"/kind"), "big") / 2**256
        if u < self.s.idle_node_share:
            return "idle"
        return "flaky" if u < self.s.idle_node_share + self.s.flaky_node_share else "steady"

    def _onboard(self, e: int) -> None:
        s = self.s
        target = s.initial_contributors + round((s.contributors - s.initial_contributors) * _ramp(e, s.adoption_midpoint, s.adoption_steepness))
        joining = self._new_wallets("contributor", target - len(self.contributors), len(self.contributors))
        for w in joining:
            c = Contributor(w)
            self.contributors.append(c)
            self._register(c, e)
        for c in self.contributors:
            for node in list(c.nodes):
                if self.rng.randrange(10_000) < s.churn_bps:
                    c.nodes.remove(node)
                    self._send(c.wallet, "node_registry", "retire", node.salt)
            if c.minted_nodes < s.max_nodes_per_contributor and self.rng.random() < 0.1:
                self._register(c, e)
        wanted = max(1, round(s.customers * (0.1 + 0.9 * _ramp(e, s.demand_midpoint, s.demand_steepness))))
        for w in self._new_wallets("customer", wanted - len(self.customers), len(self.customers)):
            self.customers.append(w)
            self._fund_for_payments(w)
        if e == self.start_epoch:
            for c in self.contributors[: s.wash_self_dealers]:
                self._fund_for_payments(c.wallet)
            self.wash_outsiders = self._new_wallets("wash", s.wash_funded, 0)
            funders = self.contributors[s.wash_self_dealers:] + self.contributors
            for w, funder in zip(self.wash_outsiders, funders):
                self._fund_for_payments(w, funder.wallet)

    def _demand_usd(self, e: int) -> float:
        s = self.s
        ratio = s.start_demand_vs_subsidy + (s.peak_demand_vs_subsidy - s.start_demand_vs_subsidy) * _ramp(e, s.demand_midpoint, s.demand_steepness)
        return self.base_subsidy_usd * ratio

    def _reference(self, e: int, payer: Wallet, k: int) -> bytes:
        return keccak(f"invoice/{self.seed}/{e}/{payer.address}/{k}".encode())

    def _pay(self, e: int) -> tuple[int, int]:
        demand = self._demand_usd(e)
        weights = [self.rng.uniform(0.5, 1.5) for _ in self.customers]
        total_weight = sum(weights)
        payments = 0
        for w, weight in zip(self.customers, weights):
            share_units = int(demand * weight / total_weight * self.usd_unit)
            parts = self.rng.randint(1, self.s.max_payments_per_customer)
            for k in range(parts):
                amount = share_units // parts
                if amount > 0:
                    self._send(w, "payment_gateway", "pay", amount, self._reference(e, w, k))
                    payments += 1
        wash_actors = [c.wallet for c in self.contributors[: self.s.wash_self_dealers]] + self.wash_outsiders
        wash = 0
        if wash_actors:
            each = int(demand * self.s.wash_share_bps / 10_000 / len(wash_actors) * self.usd_unit)
            for w in wash_actors:
                if each > 0:
                    self._send(w, "payment_gateway", "pay", each, self._reference(e, w, 99))
                    wash += 1
        return payments, wash

    def _next_price(self) -> int:
        step = self.s.price_drift_bps + self.rng.gauss(0.0, 1.0) * self.s.price_volatility_bps
        return max(1, self.price * (10_000 + int(step)) // 10_000)

    def _units(self, node: Node) -> int:
        """What `node` reports this epoch; 0 means no row."""
        if node.kind == "idle":
            return 0
        units = self.rng.randint(self.s.work_per_node_min, self.s.work_per_node_max)
        if node.kind == "flaky":
            spread = self.s.flaky_work_spread
            units = int(units * max(0.0, self.rng.uniform(1 - spread, 1 + spread)))
        return units

    def _work(self) -> Work:
        """A row per node that reported work this epoch, as a node-level work file has them."""
        rows = [(node.node_id, node.owner, self._units(node)) for c in self.contributors for node in c.nodes]
        return of_nodes(row for row in rows if row[2] > 0)

    def _claim(self, at: int) -> None:
        tree = claiming.claimable_tree(self.d, self.store)
        items = [o for o in claiming.owed(self.d, tree) if claims(o.entitlement.account, self.s.claim_share)]
        claiming.submit_claims(self.d, self.submitter, self.reporter, items)
        self._flush(at)

    def epoch(self, e: int) -> EpochRecord:
        start, end = self.epochs.start(e), self.epochs.end(e)
        self._onboard(e)
        self._flush(start + 1)
        payments, wash = self._pay(e)
        self._flush(start + 2)
        self.price = self._next_price()
        self._send(self.reporter, "price_feed", "post_price", self.price)
        self._flush(end - 1)
        if self.clock >= end:
            raise FlywheelError(f"epoch {e}'s transactions took blocks up to {self.clock}, past its end at {end} (a block a "
                                "second): use a longer epoch_length, fewer participants or a larger block gas limit")
        work = self._work()
        plan = close_epoch(self.d, self.submitter, self.reporter, self.store, e, work.accounts, self._tick(end),
                           work_file=workfile.dump(work))
        self._caught_up()
        if (e + 1) % self.s.claim_every == 0:
            self._claim(end + 1)
        return EpochRecord(
            epoch=e, contributors=len(work.accounts), nodes=sum(len(c.nodes) for c in self.contributors),
            customers=len(self.customers), payments=payments, wash_payments=wash, price=self.price,
            subsidy=plan.subsidy, revenue=plan.revenue, work=work,
        )

    def wash_actors(self) -> list[str]:
        """The self-dealing payers: contributors who pay, and outsiders they fund."""
        return [c.wallet.address for c in self.contributors[: self.s.wash_self_dealers]] + [w.address for w in self.wash_outsiders]

    def honest_customers(self) -> list[str]:
        return [w.address for w in self.customers]

    def run(self, epochs: int, on_epoch: Callable[[EpochRecord], None] = lambda r: None) -> list[EpochRecord]:
        records = self.records
        self.rpc.call("evm_setAutomine", False)
        try:
            for e in range(self.start_epoch, self.start_epoch + epochs):
                record = self.epoch(e)
                records.append(record)
                on_epoch(record)
        finally:
            self.rpc.call("evm_setAutomine", True)
        return records
