"""Close an epoch: allocate its subsidy and revenue to work, build the tree, post the root.

A refused close must leave no trace: no transaction (a reverted one still
uses a nonce and gas) and no file. So the work is split in two. `prepare`
checks what the contract would check and can be read first (order, the
epoch's end, the price, a pending previous root), reads the earlier
entitlements and builds the tree, writing nothing; `check_finalize` asks
the node, with `eth_call` from the reporter, whether `finalize` would go
through; only then does `post` stage the tree, send the root, and keep the
tree once the root is on chain. A crash between sending and keeping is
recovered by the store, which keeps a staged tree whose root the chain took.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.chain.contracts import Deployment
from indexer.chain.units import iso
from indexer.chain.rpc import RpcAnswerError
from indexer.chain.wallet import Encoder, Submitter, Wallet, revert_reason
from indexer.errors import FlywheelError
from indexer.settle.allocate import allocate
from indexer.settle.merkle import Entitlement, EntitlementTree
from indexer.settle.store import SettlementStore, write_json

FINALIZE_GAS = 250_000


@dataclass(frozen=True)
class ChainState:
    """What the distributor and the price feed say about the next epoch to close."""

    next_epoch: int
    emission: int
    revenue_pool: int
    latest_root: bytes
    root_posted_at: int
    root_delay: int
    price: int
    price_updated_at: int
    max_price_age: int


def read_state(d: Deployment) -> ChainState:
    dist = d.reward_distributor.functions
    price, updated_at = d.price_feed.functions.latest_price().call()
    return ChainState(
        next_epoch=dist.next_epoch().call(),
        emission=dist.next_emission().call(),
        revenue_pool=dist.revenue_pool().call(),
        latest_root=bytes(dist.latest_root().call()),
        root_posted_at=dist.root_posted_at().call(),
        root_delay=dist.ROOT_DELAY().call(),
        price=price,
        price_updated_at=updated_at,
        max_price_age=dist.MAX_PRICE_AGE().call(),
    )


def preflight(d: Deployment, state: ChainState, epoch: int, now: int) -> None:
    """Refuse, before anything is written or posted, what the contract would refuse."""
    if epoch != state.next_epoch:
        raise FlywheelError(f"epoch {epoch} is out of order: the next epoch to close is {state.next_epoch}")
    end = d.manifest.epochs.end(epoch)
    if now < end:
        raise FlywheelError(f"epoch {epoch} has not ended: it ends at {iso(end)}, in {end - now} s")
    if state.price == 0:
        raise FlywheelError("no price has been posted to the price feed")
    if state.price_updated_at + state.max_price_age < now:
        raise FlywheelError(f"the price is stale: posted at {iso(state.price_updated_at)}, more than {state.max_price_age} s ago")
    if epoch > 0 and state.root_posted_at + state.root_delay > now:
        raise FlywheelError(f"the previous root is pending until {iso(state.root_posted_at + state.root_delay)}")


@dataclass(frozen=True)
class EpochPlan:
    epoch: int
    subsidy: int
    revenue: int
    work_units: int
    contributors: int
    allocations: dict[str, tuple[int, int]]
    tree: EntitlementTree


def plan(epoch: int, emission: int, pool: int, work: dict[str, int], previous: dict[str, tuple[int, int]],
         chain_id: int, distributor: str) -> EpochPlan:
    """Split the whole emission and pool by work, added onto everyone's earlier entitlements."""
    subsidy = allocate(emission, work)
    revenue = allocate(pool, work)
    cumulative = dict(previous)
    for account in work:
        s, r = cumulative.get(account, (0, 0))
        cumulative[account] = (s + subsidy[account], r + revenue[account])
    entitlements = [Entitlement(a, s, r) for a, (s, r) in sorted(cumulative.items(), key=lambda kv: kv[0].lower())]
    tree = EntitlementTree(chain_id, distributor, entitlements)
    return EpochPlan(
        epoch=epoch, subsidy=sum(subsidy.values()), revenue=sum(revenue.values()),
        work_units=sum(work.values()), contributors=len(work),
        allocations={a: (subsidy[a], revenue[a]) for a in work}, tree=tree,
    )


def previous_entitlements(d: Deployment, store: SettlementStore, epoch: int, state: ChainState) -> dict[str, tuple[int, int]]:
    if epoch == 0:
        return {}
    tree = store.tree(epoch - 1, state.latest_root)
    return {e.account: (e.cumulative_subsidy, e.cumulative_revenue) for e in tree.entitlements}


def prepare(d: Deployment, store: SettlementStore, epoch: int, work: dict[str, int], now: int,
            state: ChainState) -> EpochPlan:
    """Everything short of posting: the checks, the earlier entitlements, the new tree. Writes nothing."""
    preflight(d, state, epoch, now)
    previous = previous_entitlements(d, store, epoch, state)
    return plan(epoch, state.emission, state.revenue_pool, work, previous, d.manifest.chain_id,
                d.manifest.contracts["reward_distributor"])


def _finalize_data(d: Deployment, p: EpochPlan) -> bytes:
    encode = Encoder(d.reward_distributor.abi)
    return encode("finalize", p.epoch, p.tree.root, p.subsidy, p.revenue, p.work_units, p.contributors)


def check_finalize(d: Deployment, reporter: str, p: EpochPlan) -> None:
    """Refuse what the contract would refuse from `reporter` (a missing role, most often), before it is signed:
    the finalize gas is fixed, so a transaction that reverts would still be mined and use a nonce."""
    try:
        d.rpc.eth_call(d.manifest.contracts["reward_distributor"], _finalize_data(d, p), reporter)
    except RpcAnswerError as exc:
        raise FlywheelError(f"finalizing epoch {p.epoch} from {reporter} would revert: {revert_reason(exc)}") from None


def post(d: Deployment, submitter: Submitter, reporter: Wallet, store: SettlementStore, p: EpochPlan, now: int,
         tree_out: Path | None = None) -> None:
    """Post the root; the tree is staged first and kept only if the root went through."""
    store.stage(p.epoch, p.tree)
    try:
        submitter.submit(reporter, d.manifest.contracts["reward_distributor"], _finalize_data(d, p), FINALIZE_GAS,
                         f"finalizing epoch {p.epoch}")
        submitter.flush(now)
    except FlywheelError:
        store.discard(p.epoch)
        raise
    store.commit(p.epoch, p.tree)
    if tree_out is not None:
        write_json(tree_out, p.tree.dump())


def close_epoch(d: Deployment, submitter: Submitter, reporter: Wallet, store: SettlementStore, epoch: int,
                work: dict[str, int], now: int, tree_out: Path | None = None, state: ChainState | None = None) -> EpochPlan:
    p = prepare(d, store, epoch, work, now, state or read_state(d))
    post(d, submitter, reporter, store, p, now, tree_out)
    return p
