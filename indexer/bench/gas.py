"""Gas of the contracts' hot paths, read from real transaction receipts on a dev chain.

`measure` deploys a fresh system and drives one fixed scenario through it;
every figure is the `gasUsed` of a mined transaction (so it includes the
21,000 base and the calldata), except `claim_many`, which is divided by the
number of claims in the batch. Each figure is taken in steady state: the
storage slots an operation touches were already written once by a warm-up
step, as on a network that has been running for a while, unless the figure
is explicitly about a first time (an account's first claim, an epoch's first
payment, an owner's first node).

`compare` and `regressions` implement `--check`: a figure may shrink freely
but not grow by more than `TOLERANCE_BPS` over the committed snapshot.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.logs import DISCARD

from indexer import atomic
from indexer.chain import accounts, anvil
from indexer.chain.build import Artifact, build
from indexer.chain.contracts import bind
from indexer.chain.deploy import deploy
from indexer.chain.manifest import Manifest
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.chain.node import rpc_of
from indexer.chain.wallet import Sender
from indexer.errors import FlywheelError
from indexer.paths import GAS_SNAPSHOT
from indexer.settle.merkle import Entitlement, EntitlementTree

SNAPSHOT_PATH = GAS_SNAPSHOT  # the checkout's gas-snapshot.json; None when installed, so --snapshot is needed
TOLERANCE_BPS = 200  # like `forge snapshot --check --tolerance 2`

SMALL_TREE = 1_000
LARGE_TREE = 131_072
SMALL_DEPTH = 10
LARGE_DEPTH = 17
BATCH = 8

USD = 10**6
MAX_UINT256 = 2**256 - 1
# A network that can revoke a bad root needs a delay; measuring with one
# includes the extra storage write finalize makes to keep the root undoable.
ROOT_DELAY = 600
# Synthetic entitlements: small enough that every epoch stays within the
# emission schedule and the revenue pool, uneven so amounts repeat but vary.
SUBSIDY_UNIT = 10**15
REVENUE_UNIT = 1_000

# key -> what was measured; the order is the table's order.
FIGURES: dict[str, str] = {
    "pay_first_in_epoch": "pay: first payment of an epoch",
    "pay_repeat": "pay: another payment in the same epoch",
    "register_first_node": "register: an owner's first node",
    "register_another_node": "register: an owner's next node",
    "retire": "retire",
    "post_price": "post_price",
    "finalize_1k": f"finalize: root of {SMALL_TREE:,} leaves",
    "finalize_131k": f"finalize: root of {LARGE_TREE:,} leaves",
    "claim_1k_first": f"claim both assets, {SMALL_TREE:,} leaves (proof {SMALL_DEPTH}): first",
    "claim_1k_repeat": f"claim both assets, {SMALL_TREE:,} leaves (proof {SMALL_DEPTH}): repeat",
    "claim_131k_first": f"claim both assets, {LARGE_TREE:,} leaves (proof {LARGE_DEPTH}): first",
    "claim_131k_repeat": f"claim both assets, {LARGE_TREE:,} leaves (proof {LARGE_DEPTH}): repeat",
    "claim_many_1k_first": f"claim_many x{BATCH}, per claim, {SMALL_TREE:,} leaves: first",
    "claim_many_1k_repeat": f"claim_many x{BATCH}, per claim, {SMALL_TREE:,} leaves: repeat",
    "claim_many_131k_first": f"claim_many x{BATCH}, per claim, {LARGE_TREE:,} leaves: first",
    "claim_many_131k_repeat": f"claim_many x{BATCH}, per claim, {LARGE_TREE:,} leaves: repeat",
}

# Design targets: reported next to the figures, not enforced. A first claim of both assets cannot go below about
# 126,000: three empty slots written (the account's claimed word and its two token balances), the base cost and
# the calldata of a 17-node proof.
TARGETS: dict[str, int] = {
    "claim_131k_first": 132_000,
    "claim_131k_repeat": 82_000,
    "claim_many_131k_first": 95_000,
    "claim_many_131k_repeat": 45_000,
    "finalize_1k": 64_324,
    "finalize_131k": 64_324,
}

Progress = Callable[[str], None]


# --- driving a deployment ---------------------------------------------------


class Driver:
    """A deployment on a dev chain, operated by anvil's dev accounts.

    The deployer signs as admin and reporter, dev account 2 is a customer,
    dev account 3 a node operator. Time moves only when asked, through the
    dev-chain methods anvil and Hardhat both answer.
    """

    def __init__(self, w3: Web3, manifest: Manifest, artifacts: dict[str, Artifact] | None = None) -> None:
        chain_id = manifest.chain_id
        if chain_id != accounts.LOCAL_CHAIN_ID:
            raise FlywheelError(f"chain {chain_id} is not a local dev chain: gas is measured on anvil (chain id {accounts.LOCAL_CHAIN_ID})")
        self.w3 = w3
        self.manifest = manifest
        self.contracts = bind(w3, manifest, artifacts)
        self.rpc = rpc = rpc_of(w3)
        self.reporter = Sender(rpc, accounts.signer(chain_id), chain_id)
        self.customer = Sender(rpc, accounts.dev_account(2), chain_id)
        self.operator = Sender(rpc, accounts.dev_account(3), chain_id)

    # time

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def warp_to(self, timestamp: int) -> None:
        """Mine a block at `timestamp` (or just after the head, if that is later)."""
        self.rpc.dev("evm_setNextBlockTimestamp", max(timestamp, self.now() + 1))
        self.rpc.dev("evm_mine")

    def end_epoch(self, epoch: int) -> None:
        self.warp_to(self.manifest.epochs.end(epoch))

    def root_in_effect(self) -> None:
        delay = self.manifest.parameters["root_delay"]
        if delay:
            self.warp_to(self.now() + delay)

    # operations; each returns the receipt

    def _send(self, sender: Sender, fn: object, label: str) -> dict:
        """Send and return web3's receipt, whose logs web3's event decoders read."""
        return self.w3.eth.get_transaction_receipt(sender.call(fn, label)["transactionHash"])

    def post_price(self, price: int = 2 * 10**8) -> dict:
        return self._send(self.reporter, self.contracts.price_feed.functions.post_price(price), "post_price")

    def fund_customer(self, amount: int) -> None:
        usd = self.contracts.payment_token.functions
        self._send(self.customer, usd.faucet(amount), "faucet")
        # A standing unlimited approval, as a subscription customer gives once.
        self._send(self.customer, usd.approve(self.contracts.payment_gateway.address, MAX_UINT256), "approve")

    def pay(self, amount: int, reference: bytes = bytes(32)) -> dict:
        return self._send(self.customer, self.contracts.payment_gateway.functions.pay(amount, reference), "pay")

    def register(self, node_id: bytes) -> dict:
        return self._send(self.operator, self.contracts.node_registry.functions.register(node_id), "register")

    def retire(self, node_id: bytes) -> dict:
        return self._send(self.operator, self.contracts.node_registry.functions.retire(node_id), "retire")

    def finalize(self, epoch: int, tree: EntitlementTree, subsidy: int, revenue: int) -> dict:
        n = len(tree.entitlements)
        call = self.contracts.reward_distributor.functions.finalize(epoch, tree.root, subsidy, revenue, n, n)
        return self._send(self.reporter, call, f"finalize epoch {epoch}")

    @staticmethod
    def claim_args(tree: EntitlementTree, index: int, proof: list[bytes] | None = None) -> tuple:
        e = tree.entitlements[index]
        return (e.account, e.cumulative_subsidy, e.cumulative_revenue, tree.proof(index) if proof is None else proof)

    def claim(self, tree: EntitlementTree, index: int, proof: list[bytes] | None = None) -> dict:
        call = self.contracts.reward_distributor.functions.claim(*self.claim_args(tree, index, proof))
        return self._send(self.reporter, call, "claim")

    def claim_many(self, tree: EntitlementTree, indices: list[int]) -> dict:
        call = self.contracts.reward_distributor.functions.claim_many([self.claim_args(tree, i) for i in indices])
        return self._send(self.reporter, call, "claim_many")

    def claimed_events(self, receipt: dict) -> list[tuple[int, int]]:
        # The receipt also holds the tokens' Transfer logs, which are not the distributor's to decode.
        events = self.contracts.reward_distributor.events.RewardClaimed().process_receipt(receipt, errors=DISCARD)
        return [(ev["args"]["subsidy"], ev["args"]["revenue"]) for ev in events]


# --- the scenario -----------------------------------------------------------


def synthetic_accounts(n: int) -> list[str]:
    return [to_checksum_address(keccak(b"flywheel-gas" + i.to_bytes(4, "big"))[12:]) for i in range(n)]


def synthetic_tree(chain_id: int, distributor: str, owners: list[str], round_: int) -> EntitlementTree:
    """Everyone's cumulative entitlement after `round_` equal rounds of work."""
    es = [
        Entitlement(a, (1 + i % 8) * SUBSIDY_UNIT * round_, (1 + i % 5) * REVENUE_UNIT * round_)
        for i, a in enumerate(owners)
    ]
    return EntitlementTree(chain_id, distributor, es)


def _totals(tree: EntitlementTree) -> tuple[int, int]:
    return sum(e.cumulative_subsidy for e in tree.entitlements), sum(e.cumulative_revenue for e in tree.entitlements)


def _with_depth(trees: list[EntitlementTree], depth: int, candidates: range, count: int) -> list[int]:
    """Leaves whose proof has exactly `depth` nodes in every one of `trees`, so the label holds."""
    chosen = [i for i in candidates if all(len(t.proof(i)) == depth for t in trees)][:count]
    if len(chosen) < count:
        raise FlywheelError(f"gas: not enough leaves with proofs of depth {depth}")
    return chosen


class _Epochs:
    """Finalizes the epochs in order, each with the increase over the previous root's totals."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.epoch = 0
        self.totals = (0, 0)

    def close(self, tree: EntitlementTree) -> dict:
        subsidy, revenue = _totals(tree)
        self.driver.end_epoch(self.epoch)
        receipt = self.driver.finalize(self.epoch, tree, subsidy - self.totals[0], revenue - self.totals[1])
        self.driver.root_in_effect()
        self.epoch += 1
        self.totals = (subsidy, revenue)
        return receipt


def _claim_gas(driver: Driver, receipt: dict, claims: int) -> int:
    paid = driver.claimed_events(receipt)
    if len(paid) != claims or not all(s > 0 and r > 0 for s, r in paid):
        raise FlywheelError("gas: a measured claim did not pay both assets")
    return receipt["gasUsed"] // claims


def _scenario(driver: Driver, progress: Progress) -> dict[str, int]:
    gas: dict[str, int] = {}
    chain_id = driver.manifest.chain_id
    distributor = driver.contracts.reward_distributor.address
    epochs = _Epochs(driver)

    progress("epoch 0: first price, first payment, nodes")
    driver.post_price()
    driver.fund_customer(10_000 * USD)
    driver.pay(5_000 * USD)
    gas["register_first_node"] = driver.register(keccak(b"node-1"))["gasUsed"]
    gas["register_another_node"] = driver.register(keccak(b"node-2"))["gasUsed"]
    gas["retire"] = driver.retire(keccak(b"node-1"))["gasUsed"]

    progress(f"synthetic entitlements for {LARGE_TREE:,} accounts")
    owners = synthetic_accounts(LARGE_TREE)
    small = owners[:SMALL_TREE]
    r1, r2 = (synthetic_tree(chain_id, distributor, small, r) for r in (1, 2))
    warm, single, *batch = _with_depth([r1, r2], SMALL_DEPTH, range(SMALL_TREE), 2 + BATCH)

    epochs.close(r1)
    # The first claim ever writes the distributor's and the token's totals fresh.
    driver.claim(r1, warm)
    gas["claim_1k_first"] = _claim_gas(driver, driver.claim(r1, single), 1)
    gas["claim_many_1k_first"] = _claim_gas(driver, driver.claim_many(r1, batch), BATCH)

    progress("epoch 1: payments and a price")
    gas["pay_first_in_epoch"] = driver.pay(100 * USD)["gasUsed"]
    gas["pay_repeat"] = driver.pay(100 * USD)["gasUsed"]
    gas["post_price"] = driver.post_price()["gasUsed"]

    epochs.close(r2)
    gas["claim_1k_repeat"] = _claim_gas(driver, driver.claim(r2, single), 1)
    gas["claim_many_1k_repeat"] = _claim_gas(driver, driver.claim_many(r2, batch), BATCH)
    # Round 4, not 3: an increase equal to the last epoch's would rewrite the pending
    # totals with the same value, a no-op store that would flatter finalize by 2,800.
    gas["finalize_1k"] = epochs.close(synthetic_tree(chain_id, distributor, small, 4))["gasUsed"]

    progress(f"two trees of {LARGE_TREE:,} leaves")
    big1, big2 = (synthetic_tree(chain_id, distributor, owners, r) for r in (5, 7))
    # Accounts past the small tree have never claimed, so their first claim is a real first.
    single, *batch = _with_depth([big1, big2], LARGE_DEPTH, range(SMALL_TREE, LARGE_TREE), 1 + BATCH)
    epochs.close(big1)
    gas["claim_131k_first"] = _claim_gas(driver, driver.claim(big1, single), 1)
    gas["claim_many_131k_first"] = _claim_gas(driver, driver.claim_many(big1, batch), BATCH)
    gas["finalize_131k"] = epochs.close(big2)["gasUsed"]
    gas["claim_131k_repeat"] = _claim_gas(driver, driver.claim(big2, single), 1)
    gas["claim_many_131k_repeat"] = _claim_gas(driver, driver.claim_many(big2, batch), BATCH)
    return {key: gas[key] for key in FIGURES}


@dataclass(frozen=True)
class Measurement:
    gas: dict[str, int]
    hardfork: str | None  # what the node says it runs, for reading the figures later


def _hardfork(w3: Web3) -> str | None:
    try:
        reply = w3.provider.make_request("anvil_nodeInfo", [])
        return reply.get("result", {}).get("hardFork")
    except Exception:  # only anvil answers this; the figures stand without it
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((anvil.HOST, 0))
        return s.getsockname()[1]


def measure_on(url: str, progress: Progress = lambda _: None) -> Measurement:
    w3, chain_id = connect(url)
    artifacts = build()
    progress("deploying a fresh system")
    manifest = deploy(w3, chain_id, Params(root_delay=ROOT_DELAY), artifacts=artifacts)
    gas = _scenario(Driver(w3, manifest, artifacts), progress)
    return Measurement(gas=gas, hardfork=_hardfork(w3))


def measure(rpc_url: str | None = None, progress: Progress = lambda _: None) -> Measurement:
    """Measure on `rpc_url`, or on an anvil of our own that is stopped afterwards."""
    if rpc_url:
        return measure_on(rpc_url, progress)
    port = free_port()
    progress(f"starting anvil on port {port}")
    chain = anvil.start(port)
    try:
        return measure_on(chain.url, progress)
    finally:
        anvil.stop(port)


# --- snapshots --------------------------------------------------------------


def save_snapshot(m: Measurement, path: Path) -> None:
    data = {
        "unit": f"gasUsed per transaction receipt; claim_many figures per claim in a batch of {BATCH}",
        "hardfork": m.hardfork,
        "gas": m.gas,
    }
    atomic.write(path, json.dumps(data, indent=2) + "\n")


def load_snapshot(path: Path) -> Measurement:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FlywheelError(f"no gas snapshot at {path}: run `flywheel gas` to write one") from None
    except json.JSONDecodeError as exc:
        raise FlywheelError(f"gas snapshot {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    gas = data.get("gas") if isinstance(data, dict) else None
    if not isinstance(gas, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in gas.values()):
        raise FlywheelError(f"gas snapshot {path} has no 'gas' object of integer figures")
    return Measurement(gas=gas, hardfork=data.get("hardfork"))


@dataclass(frozen=True)
class Change:
    key: str
    before: int | None  # None: not in the snapshot
    after: int | None  # None: no longer measured

    @property
    def percent(self) -> float | None:
        if self.before is None or self.after is None or self.before == 0:
            return None
        return 100 * (self.after - self.before) / self.before

    def regressed(self, tolerance_bps: int = TOLERANCE_BPS) -> bool:
        """Grew past the tolerance, or the snapshot and the figures no longer name the same things."""
        if self.before is None or self.after is None:
            return True
        # Integers on both sides, so exactly at the tolerance is never a rounding accident.
        return self.after * 10_000 > self.before * (10_000 + tolerance_bps)


def compare(snapshot: dict[str, int], current: dict[str, int]) -> list[Change]:
    keys = list(current) + [k for k in snapshot if k not in current]
    return [Change(k, snapshot.get(k), current.get(k)) for k in keys]


def regressions(changes: list[Change], tolerance_bps: int = TOLERANCE_BPS) -> list[Change]:
    return [c for c in changes if c.regressed(tolerance_bps)]
