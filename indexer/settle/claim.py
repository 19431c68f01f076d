"""Submit claims: each account is paid what its proven entitlement exceeds what it claimed.

`claim_many` skips an entry with nothing left to claim (someone claimed it
first), so a race with another claimer never reverts a batch; those entries
are reported as already claimed, which is no failure. Any other failing
claim (an invalid proof, a tree that promises more than was finalized)
still reverts the batch whole and would block everyone batched with it. So
the command line first asks the node, with `eth_call`, whether each claim
would go through, sends only those, and when a batch still reverts (the
chain moved between the check and the send) splits it and sends its claims
one by one, so every good claim is paid and the failing one is named with
its reason. What a batch paid is read from its `RewardClaimed` events, not
assumed. The simulator, which mines its own blocks and whose trees are
right by construction, sends plain batches (`submit_claims`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from indexer.chain.contracts import Deployment
from indexer.chain.rpc import RpcAnswerError
from indexer.chain.units import iso
from indexer.chain.wallet import Encoder, InstantSubmitter, Reverted, Submitter, Wallet, revert_reason
from indexer.errors import FlywheelError
from indexer.settle.merkle import Entitlement, EntitlementTree
from indexer.settle.store import SettlementStore

# RewardDistributor.MAX_BATCH: `claim_many` takes no more (the ABI's dynamic array does not say so).
MAX_BATCH = 16
GAS_PER_CLAIM = 160_000
GAS_BASE = 60_000
# What `claim` reverts with when the account has nothing left: someone claimed it first.
NOTHING_TO_CLAIM = "distributor: nothing to claim"
REWARD_CLAIMED = keccak(text="RewardClaimed(address,uint256,uint256)")


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
    paid: list[Owed]  # as paid: the amounts the distributor's events say
    refused: list[Refused]
    already: list[Owed]  # claimed by someone else first: nothing was left to pay


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
    # The claimable root is the latest one or, while that one is pending, the one before, whose tree is
    # under the epoch before the latest close: one epoch back, or a whole range back.
    tree = store.find(root, next_epoch)
    if tree is None:
        raise FlywheelError(f"settlement store {store.root} has no tree matching the claimable root 0x{root.hex()}: "
                            "point --store at the folder `epoch close` wrote, or restore it from a copy")
    return tree


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


def _batches(items: list[Owed], batch: int) -> list[list[Owed]]:
    if not 0 < batch <= MAX_BATCH:
        raise ValueError(f"a claim_many batch holds 1 to {MAX_BATCH} claims, not {batch}")
    return [items[start:start + batch] for start in range(0, len(items), batch)]


def submit_claims(d: Deployment, submitter: Submitter, sender: Wallet, items: list[Owed], batch: int = MAX_BATCH) -> None:
    """Claims go in `claim_many` batches; the sender pays the gas, each account gets its own rewards."""
    chunks = _batches(items, batch)
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    for chunk in chunks:
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


def _sorted(reasons: list[tuple[Owed, str | None]]) -> Outcome:
    """Claims by what stopped them: nothing (to send), nothing left to claim, or another reason."""
    return Outcome([o for o, r in reasons if r is None],
                   [Refused(o, r) for o, r in reasons if r is not None and r != NOTHING_TO_CLAIM],
                   [o for o, r in reasons if r == NOTHING_TO_CLAIM])


def check(d: Deployment, items: list[Owed], sender: str) -> Outcome:
    """Split `items` into the claims the distributor would pay now (`paid`, not yet sent), those someone else
    claimed first (`already`) and the refused ones."""
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    try:
        # The usual case, every claim good, costs one batch request.
        d.rpc.batch([_call(o, target, encode, sender) for o in items])
        return Outcome(list(items), [], [])
    except RpcAnswerError:
        pass  # a batch names only its first failure: ask claim by claim for every reason
    return _sorted([(o, refusal(d, o, sender)) for o in items])


def _claimed_in(receipt: dict, target: str) -> dict[str, tuple[int, int]]:
    """account -> (subsidy, revenue) of every `RewardClaimed` the distributor logged in a transaction."""
    out = {}
    for log in receipt["logs"]:
        topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
        if log["address"].lower() == target.lower() and topics and topics[0] == REWARD_CLAIMED:
            subsidy, revenue = decode(["uint256", "uint256"], bytes.fromhex(log["data"][2:]))
            out[to_checksum_address(topics[1][12:])] = (subsidy, revenue)
    return out


def _as_paid(chunk: list[Owed], receipt: dict, target: str) -> Outcome:
    """A mined batch's claims: those it logged as paid, with what it paid, and those it skipped, which had
    nothing left to claim."""
    claimed = _claimed_in(receipt, target)
    paid = [replace(o, subsidy=claimed[o.entitlement.account][0], revenue=claimed[o.entitlement.account][1])
            for o in chunk if o.entitlement.account in claimed]
    return Outcome(paid, [], [o for o in chunk if o.entitlement.account not in claimed])


def _pay_one(d: Deployment, submitter: InstantSubmitter, sender: Wallet, o: Owed) -> Outcome:
    """Send one claim unless the node says it would fail."""
    reason = refusal(d, o, sender.address)
    if reason is not None:
        return _sorted([(o, reason)])
    target = d.manifest.contracts["reward_distributor"]
    encode = Encoder(d.reward_distributor.abi)
    try:
        receipt = submitter.submit(sender, target, encode("claim", *_arguments(o)), None, f"claim for {o.entitlement.account}")
    except Reverted as exc:
        return _sorted([(o, str(exc))])
    return _as_paid([o], receipt, target)


def pay(d: Deployment, submitter: InstantSubmitter, sender: Wallet, items: list[Owed], batch: int = MAX_BATCH) -> Outcome:
    """Send `items` in `claim_many` batches; a batch that reverts is retried claim by claim.

    The gas is estimated (`None`), so a batch that would revert is caught
    before it is signed and costs nothing; one that reverts when mined is
    split the same way. Entries the batch skipped, because someone claimed
    them between the check and the send, come back as `already`.
    """
    chunks = _batches(items, batch)
    encode = Encoder(d.reward_distributor.abi)
    target = d.manifest.contracts["reward_distributor"]
    outcomes: list[Outcome] = []
    for chunk in chunks:
        try:
            receipt = submitter.submit(sender, target, encode("claim_many", [_arguments(o) for o in chunk]), None,
                                       f"claiming for {len(chunk)} accounts")
        except Reverted:
            outcomes += [_pay_one(d, submitter, sender, o) for o in chunk]
            continue
        outcomes.append(_as_paid(chunk, receipt, target))
    return Outcome([o for x in outcomes for o in x.paid], [r for x in outcomes for r in x.refused],
                   [o for x in outcomes for o in x.already])
