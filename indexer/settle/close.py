"""Close epochs: allocate each one's subsidy and revenue to work, build one tree, post its root.

A close covers one epoch or a range of them (`first` to `last`), so a
backlog left by an outage is cleared with one root and one transaction. A
single epoch is a range of one and takes the same path; only the call
differs, `finalize` being cheaper than `finalize_range`. Each epoch of a
range is allocated on its own, from the same work file with the same
largest-remainder code, so its allocations sum exactly to the totals its
own `EpochFinalized` logs: its own emission, its own revenue pool (the
carry before it plus its payments) and its own price, the one in force at
its end. The tree is the cumulative one after `last`, and the store keeps
it under `last`, where the next close looks for it.

A refused close must leave no trace: no transaction (a reverted one still
uses a nonce and gas) and no file. So the work is split in two. `prepare`
checks what the contract would check and can be read first (the range's
bounds, a pause, order, the end of the last epoch, a pending previous root,
every epoch's price), reads the earlier entitlements and builds the tree,
writing nothing; `check_finalize` asks the node, with `eth_call` from the
reporter, whether the call would go through; only then does `post` stage
the tree, send the root, and keep the tree once the root is on chain. A
crash between sending and keeping is recovered by the store, which keeps a
staged tree whose root the chain took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_abi import decode

from indexer.chain.contracts import Deployment
from indexer.chain.params import MAX_EPOCHS
from indexer.chain.rpc import RpcAnswerError
from indexer.chain.units import iso
from indexer.chain.wallet import Encoder, Submitter, Wallet, revert_reason
from indexer.errors import FlywheelError
from indexer.settle import workfile
from indexer.settle.ledger import EpochPlan, EpochTotals, entitlements, split
from indexer.settle.store import SettlementStore, write_json

# RewardDistributor.MAX_RANGE: the most epochs one `finalize_range` takes.
MAX_RANGE = 64
FINALIZE_GAS = 250_000
# Each further epoch of a range: its emission step, the gateway's and the feed's reads (the feed's a
# binary search over its rounds when the epoch is old) and its event.
RANGE_GAS_PER_EPOCH = 60_000


@dataclass(frozen=True)
class EpochState:
    """What the chain says about one epoch of the range."""

    epoch: int
    emission: int  # the distributor's emission(epoch): the most its subsidy may be
    income: int  # the gateway's epoch_revenue(epoch): net payments into it
    price: int  # the feed's price_at(end of epoch); 0 when none was posted by then
    price_updated_at: int
    price_after_end: int = 0  # the feed's price_after(end of epoch): it stands in when `price` is stale or missing

    def logged_price(self, max_price_age: int, end: int) -> int:
        """The price the distributor logs for the epoch: the last one posted by its end if fresh, else the first
        one posted after its end (so that an outage longer than the price age blocks nothing for good); 0 when
        neither exists."""
        if self.price and self.price_updated_at + max_price_age >= end:
            return self.price
        return self.price_after_end


@dataclass(frozen=True)
class ChainState:
    """What the distributor and the price feed say about the epochs to close."""

    next_epoch: int
    carry: int  # revenue left unallocated by the finalized epochs
    latest_root: bytes
    root_posted_at: int
    root_delay: int
    max_price_age: int
    finalization_paused: bool
    epochs: tuple[EpochState, ...]


def check_range(first: int, last: int) -> None:
    """Refuse a range the distributor never takes, from the arguments alone."""
    if last < first:
        raise FlywheelError(f"--through {last} is before --epoch {first}: a range runs forward")
    if last - first + 1 > MAX_RANGE:
        raise FlywheelError(f"epochs {first} to {last} are {last - first + 1} epochs; one close takes at most {MAX_RANGE}: "
                            f"close them in parts, the first with --epoch {first} and --through {first + MAX_RANGE - 1} at most")
    if last >= MAX_EPOCHS:
        raise FlywheelError(f"epoch {last} is past the last epoch the distributor can finalize, {MAX_EPOCHS - 1}")


def calls_batched(d: Deployment, calls: Sequence[tuple[str, bytes, list[str]]]) -> list[tuple]:
    """`eth_call`s of (address, data, result types), sent as batches: a range is up to 64 epochs of three reads."""
    answers = d.rpc.batch([("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"]) for to, data, _ in calls])
    return [decode(types, bytes.fromhex(raw[2:])) for (_, _, types), raw in zip(calls, answers)]


def read_state(d: Deployment, first: int, last: int) -> ChainState:
    """The distributor's state and every epoch from `first` to `last`; the range must pass `check_range`."""
    check_range(first, last)
    dist = d.reward_distributor.functions
    distributor, gateway, feed = (Encoder(c.abi) for c in (d.reward_distributor, d.payment_gateway, d.price_feed))
    at = {"dist": d.reward_distributor.address, "gateway": d.payment_gateway.address, "feed": d.price_feed.address}
    calls: list[tuple[str, bytes, list[str]]] = []
    for epoch in range(first, last + 1):
        calls += [
            (at["dist"], distributor("emission", epoch), ["uint256"]),
            (at["gateway"], gateway("epoch_revenue", epoch), ["uint256"]),
            (at["feed"], feed("price_at", d.manifest.epochs.end(epoch)), ["uint256", "uint256"]),
            (at["feed"], feed("price_after", d.manifest.epochs.end(epoch)), ["uint256", "uint256"]),
        ]
    answers = calls_batched(d, calls)
    epochs = tuple(
        EpochState(epoch, emission[0], income[0], price, updated_at, after[0])
        for epoch, emission, income, (price, updated_at), after in zip(
            range(first, last + 1), answers[0::4], answers[1::4], answers[2::4], answers[3::4])
    )
    return ChainState(
        next_epoch=dist.next_epoch().call(),
        carry=dist.revenue_carry().call(),
        latest_root=bytes(dist.latest_root().call()),
        root_posted_at=dist.root_posted_at().call(),
        root_delay=dist.ROOT_DELAY().call(),
        max_price_age=dist.MAX_PRICE_AGE().call(),
        finalization_paused=dist.finalization_paused().call(),
        epochs=epochs,
    )


def preflight(d: Deployment, state: ChainState, first: int, last: int, now: int) -> None:
    """Refuse, before anything is written or posted, what the contract would refuse."""
    check_range(first, last)
    if state.finalization_paused:
        raise FlywheelError("finalization is paused: a guardian paused it (`flywheel unpause finalization` needs the admin)")
    if first != state.next_epoch:
        raise FlywheelError(f"epoch {first} is out of order: the next epoch to close is {state.next_epoch}")
    end = d.manifest.epochs.end(last)
    if now < end:
        raise FlywheelError(f"epoch {last} has not ended: it ends at {iso(end)}, in {end - now} s")
    if first > 0 and state.root_posted_at + state.root_delay > now:
        raise FlywheelError(f"the previous root is pending until {iso(state.root_posted_at + state.root_delay)}")
    if [s.epoch for s in state.epochs] != list(range(first, last + 1)):
        raise ValueError(f"the chain state read is not that of epochs {first} to {last}")
    for s in state.epochs:
        end = d.manifest.epochs.end(s.epoch)
        if s.logged_price(state.max_price_age, end):
            continue
        if s.price == 0:
            raise FlywheelError(f"no price was posted by the end of epoch {s.epoch} ({iso(end)}) nor since: "
                                "post one with `flywheel price post`")
        raise FlywheelError(f"the price of epoch {s.epoch} is stale: the last one posted by its end ({iso(end)}) "
                            f"was posted at {iso(s.price_updated_at)}, more than {state.max_price_age} s before, "
                            "and none since: post one with `flywheel price post`, which then stands for it")


def plan(epochs: Sequence[EpochState], carry: int, work: Mapping[str, int], previous: Mapping[str, tuple[int, int]],
         chain_id: int, distributor: str, prices: Sequence[int] | None = None) -> EpochPlan:
    """Split each epoch's whole emission and revenue pool by work, epoch by epoch, onto everyone's earlier
    entitlements. An epoch's pool is the carry before it plus its income; the whole pool is allocated, so nothing
    is carried on. `prices` are what the epochs' events will log (default: each epoch's price at its end)."""
    totals = []
    for s, price in zip(epochs, prices or [s.price for s in epochs]):
        totals.append(EpochTotals(s.epoch, s.emission, carry + s.income, price))
        carry = 0
    return split(totals, work, previous, chain_id, distributor)


def previous_entitlements(store: SettlementStore, first: int, state: ChainState) -> dict[str, tuple[int, int]]:
    """The entitlements of the latest root, kept under the last epoch it finalized: the one before `first`."""
    if first == 0:
        return {}
    return entitlements(store.tree(first - 1, state.latest_root))


def prepare(d: Deployment, store: SettlementStore, first: int, last: int, work: dict[str, int], now: int,
            state: ChainState) -> EpochPlan:
    """Everything short of posting: the checks, the earlier entitlements, the new tree. Writes nothing."""
    preflight(d, state, first, last, now)
    previous = previous_entitlements(store, first, state)
    prices = [s.logged_price(state.max_price_age, d.manifest.epochs.end(s.epoch)) for s in state.epochs]
    return plan(state.epochs, state.carry, work, previous, d.manifest.chain_id,
                d.manifest.contracts["reward_distributor"], prices)


def _finalize_data(d: Deployment, p: EpochPlan) -> bytes:
    encode = Encoder(d.reward_distributor.abi)
    if p.first == p.last:
        return encode("finalize", p.first, p.tree.root, p.subsidy, p.revenue, p.work_units, p.contributors)
    return encode("finalize_range", p.first, p.last, p.tree.root, [e.subsidy for e in p.epochs],
                  [e.revenue for e in p.epochs], p.work_units, p.contributors)


def finalize_gas(p: EpochPlan) -> int:
    return FINALIZE_GAS + RANGE_GAS_PER_EPOCH * (len(p.epochs) - 1)


def check_finalize(d: Deployment, reporter: str, p: EpochPlan) -> None:
    """Refuse what the contract would refuse from `reporter` (a missing role, most often), before it is signed:
    the finalize gas is fixed, so a transaction that reverts would still be mined and use a nonce."""
    try:
        d.rpc.eth_call(d.manifest.contracts["reward_distributor"], _finalize_data(d, p), reporter)
    except RpcAnswerError as exc:
        raise FlywheelError(f"finalizing {p.describe()} from {reporter} would revert: {revert_reason(exc)}") from None


def post(d: Deployment, submitter: Submitter, reporter: Wallet, store: SettlementStore, p: EpochPlan, now: int,
         tree_out: Path | None = None, work_file: str | None = None) -> None:
    """Post the root; the tree and the work file (default: the plan's work, two columns) are staged first and
    kept only if the root went through."""
    kept = work_file if work_file is not None else workfile.dump(workfile.Work(accounts=p.work, nodes={}))
    store.stage(p.last, p.tree, kept)
    try:
        submitter.submit(reporter, d.manifest.contracts["reward_distributor"], _finalize_data(d, p), finalize_gas(p),
                         f"finalizing {p.describe()}")
        submitter.flush(now)
    except FlywheelError:
        store.discard(p.last)
        raise
    store.commit(p.last, p.tree, first=p.first, work=kept)
    if tree_out is not None:
        write_json(tree_out, p.tree.dump())


def close_epoch(d: Deployment, submitter: Submitter, reporter: Wallet, store: SettlementStore, epoch: int,
                work: dict[str, int], now: int, tree_out: Path | None = None, state: ChainState | None = None,
                through: int | None = None, work_file: str | None = None) -> EpochPlan:
    """Close `epoch`, or every epoch from it through `through`, with one root; `work_file` is the text kept in the
    store beside the tree (default: `work`, two columns)."""
    last = epoch if through is None else through
    p = prepare(d, store, epoch, last, work, now, state or read_state(d, epoch, last))
    post(d, submitter, reporter, store, p, now, tree_out, work_file)
    return p
