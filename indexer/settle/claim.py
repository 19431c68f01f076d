"""Submit claims: each account is paid what its proven entitlement exceeds what it claimed."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode
from eth_utils import to_checksum_address

from indexer.chain.contracts import Deployment
from indexer.chain.wallet import Encoder, Submitter, Wallet
from indexer.errors import FlywheelError
from indexer.settle.merkle import Entitlement, EntitlementTree
from indexer.settle.store import SettlementStore

BATCH = 40
GAS_PER_CLAIM = 160_000
GAS_BASE = 60_000


@dataclass(frozen=True)
class Owed:
    entitlement: Entitlement
    proof: list[bytes]
    subsidy: int
    revenue: int


def claimable_tree(d: Deployment, store: SettlementStore) -> EntitlementTree:
    """The stored tree whose root claims are proven against now."""
    dist = d.reward_distributor.functions
    root = bytes(dist.claimable_root().call())
    if root == bytes(32):
        raise FlywheelError("no root is in effect yet: close an epoch first")
    next_epoch = dist.next_epoch().call()
    # The claimable root is the latest one or, while that one is pending, the one before.
    for epoch in (next_epoch - 1, next_epoch - 2):
        if epoch >= 0 and store.tree_path(epoch).exists():
            try:
                return store.tree(epoch, root)
            except FlywheelError:
                continue
    raise FlywheelError(f"settlement store {store.root} has no tree matching the claimable root 0x{root.hex()}")


def owed(d: Deployment, tree: EntitlementTree, accounts: list[str] | None = None) -> list[Owed]:
    """What each account can claim now, read from the chain in one batch."""
    if accounts is None:
        indices = list(range(len(tree.entitlements)))
    else:
        try:
            indices = [tree.index_of(a) for a in accounts]
        except KeyError as exc:
            raise FlywheelError(f"account {exc.args[0]} has no entitlement in the claimable tree") from None
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    calls = [("eth_call", [{"to": target, "data": "0x" + encode("claimed", tree.entitlements[i].account).hex()}, "latest"])
             for i in indices]
    results = d.rpc.batch(calls)
    out = []
    for i, raw in zip(indices, results):
        e = tree.entitlements[i]
        claimed_subsidy, claimed_revenue = decode(["uint256", "uint256"], bytes.fromhex(raw[2:]))
        subsidy = max(0, e.cumulative_subsidy - claimed_subsidy)
        revenue = max(0, e.cumulative_revenue - claimed_revenue)
        if subsidy or revenue:
            out.append(Owed(e, tree.proof(i), subsidy, revenue))
    return out


def submit_claims(d: Deployment, submitter: Submitter, sender: Wallet, items: list[Owed], batch: int = BATCH) -> None:
    """Claims go in `claim_many` batches; the sender pays the gas, each account gets its own rewards."""
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        claims = [(to_checksum_address(o.entitlement.account), o.entitlement.cumulative_subsidy,
                   o.entitlement.cumulative_revenue, o.proof) for o in chunk]
        gas = GAS_BASE + GAS_PER_CLAIM * len(chunk)
        submitter.submit(sender, target, encode("claim_many", claims), gas, f"claiming for {len(chunk)} accounts")
