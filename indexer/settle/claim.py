"""Submit claims: each account is paid what its proven entitlement exceeds what it claimed.

`claim_many` reverts whole when any one of its claims fails, so one bad leaf
(a tree that promises more than was finalized, an account already paid by
someone else a moment ago) would block everyone batched with it. So the
command line first asks the node, with `eth_call`, whether each claim would
go through, sends only those, and when a batch still reverts (the chain
moved between the check and the send) splits it and sends its claims one by
one, so every good claim is paid and the failing one is named with its
reason. The simulator, which mines its own blocks and whose trees are right
by construction, sends plain batches (`submit_claims`).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode
from eth_utils import to_checksum_address

from indexer.chain.contracts import Deployment
from indexer.chain.rpc import RpcAnswerError
from indexer.chain.units import iso
from indexer.chain.wallet import Encoder, Reverted, Submitter, Wallet, revert_reason
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


@dataclass(frozen=True)
class Refused:
    """A claim the distributor would not pay, and its reason."""

    owed: Owed
    reason: str


@dataclass(frozen=True)
class Outcome:
    paid: list[Owed]
    refused: list[Refused]


def claimable_tree(d: Deployment, store: SettlementStore) -> EntitlementTree:
    """The stored tree whose root claims are proven against now."""
    dist = d.reward_distributor.functions
    root = bytes(dist.claimable_root().call())
    next_epoch = dist.next_epoch().call()
    if root == bytes(32):
        if next_epoch == 0:
            raise FlywheelError("no root is in effect yet: close an epoch first")
        at = dist.root_posted_at().call() + d.manifest.parameters["root_delay"]
        raise FlywheelError(f"epoch {next_epoch - 1}'s root becomes claimable at {iso(at)}, after the root delay; "
                            "nothing is claimable before it")
    # The claimable root is the latest one or, while that one is pending, the one before.
    for epoch in (next_epoch - 1, next_epoch - 2):
        if epoch >= 0 and store.tree_path(epoch).exists():
            try:
                return store.tree(epoch, root)
            except FlywheelError:
                continue
    raise FlywheelError(f"settlement store {store.root} has no tree matching the claimable root 0x{root.hex()}: "
                        "point --store at the folder `epoch close` wrote, or restore it from a copy")


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


def _arguments(o: Owed) -> tuple:
    e = o.entitlement
    return to_checksum_address(e.account), e.cumulative_subsidy, e.cumulative_revenue, o.proof


def submit_claims(d: Deployment, submitter: Submitter, sender: Wallet, items: list[Owed], batch: int = BATCH) -> None:
    """Claims go in `claim_many` batches; the sender pays the gas, each account gets its own rewards."""
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        gas = GAS_BASE + GAS_PER_CLAIM * len(chunk)
        submitter.submit(sender, target, encode("claim_many", [_arguments(o) for o in chunk]), gas,
                         f"claiming for {len(chunk)} accounts")


def _call(o: Owed, target: str, encode: Encoder, sender: str) -> tuple[str, list]:
    return "eth_call", [{"to": target, "data": "0x" + encode("claim", *_arguments(o)).hex(), "from": sender}, "latest"]


def refusal(d: Deployment, o: Owed, sender: str) -> str | None:
    """Why the distributor would refuse this claim from `sender` now, or None if it would pay."""
    encode = Encoder(d.reward_distributor.abi)
    try:
        d.rpc.eth_call(d.manifest.contracts["reward_distributor"], encode("claim", *_arguments(o)), sender)
    except RpcAnswerError as exc:
        return revert_reason(exc)
    return None


def check(d: Deployment, items: list[Owed], sender: str) -> Outcome:
    """Split `items` into the claims the distributor would pay now (`paid`, not yet sent) and the refused ones."""
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    try:
        # The usual case, every claim good, costs one batch request.
        d.rpc.batch([_call(o, target, encode, sender) for o in items])
        return Outcome(list(items), [])
    except RpcAnswerError:
        pass  # a batch names only its first failure: ask claim by claim for every reason
    reasons = [(o, refusal(d, o, sender)) for o in items]
    return Outcome([o for o, r in reasons if r is None], [Refused(o, r) for o, r in reasons if r is not None])


def _pay_one(d: Deployment, submitter: Submitter, sender: Wallet, o: Owed) -> str | None:
    """Send one claim unless the node says it would fail; the reason it was not paid, or None."""
    reason = refusal(d, o, sender.address)
    if reason is not None:
        return reason
    encode = Encoder(d.reward_distributor.abi)
    try:
        submitter.submit(sender, d.manifest.contracts["reward_distributor"], encode("claim", *_arguments(o)), None,
                         f"claim for {o.entitlement.account}")
    except Reverted as exc:
        return str(exc)
    return None


def pay(d: Deployment, submitter: Submitter, sender: Wallet, items: list[Owed], batch: int = BATCH) -> Outcome:
    """Send `items` in `claim_many` batches; a batch that reverts is retried claim by claim.

    The gas is estimated (`None`), so a batch that would revert is caught
    before it is signed and costs nothing; one that reverts when mined is
    split the same way.
    """
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    paid: list[Owed] = []
    refused: list[Refused] = []
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        try:
            submitter.submit(sender, target, encode("claim_many", [_arguments(o) for o in chunk]), None,
                             f"claiming for {len(chunk)} accounts")
            paid += chunk
            continue
        except Reverted:
            pass
        for o in chunk:
            reason = _pay_one(d, submitter, sender, o)
            if reason is None:
                paid.append(o)
            else:
                refused.append(Refused(o, reason))
    return Outcome(paid, refused)
