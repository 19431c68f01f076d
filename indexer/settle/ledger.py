"""What an epoch's root commits to, recomputed from public facts: its totals, the work file and the entitlements
before it.

`epoch close` splits each epoch's whole emission and whole revenue pool by work (`split`, on
`indexer.settle.allocate`), adds the shares onto everyone's earlier entitlements and posts the root of the
result. The same `split` serves the two who check it afterwards: the ledger import, which turns the store's
trees into per-epoch rows, and `epoch verify`, which anyone can run from a published bundle and the chain's logs.
So the three can only disagree about the inputs, never about the arithmetic.

The inputs a verifier derives without historical state calls (no archive node):
- the emission of an epoch, from the schedule's parameters (`indexer.chain.schedule`);
- the revenue pool of an epoch: what earlier finalizations left unallocated (their pools less their logged
  revenue) plus the epoch's net payments (`amount - fee` of its `PaymentReceived` logs);
- which finalization stands: a `RootRevoked` log undoes the `EpochFinalized` of its epoch and root, and a later
  `EpochFinalized` of the epoch replaces it (`standing`). A range's epochs share one transaction and one root.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from indexer.settle.allocate import allocate
from indexer.settle.merkle import Entitlement, EntitlementTree


@dataclass(frozen=True)
class Finalized:
    """One `EpochFinalized` log."""

    epoch: int
    root: str  # 0x-hex
    subsidy: int
    revenue: int
    work_units: int
    contributors: int
    price: int
    block_number: int
    log_index: int
    tx_hash: str


@dataclass(frozen=True)
class Revoked:
    """One `RootRevoked` log."""

    epoch: int
    root: str
    block_number: int
    log_index: int


def standing(finalized: Iterable[Finalized], revoked: Iterable[Revoked]) -> dict[int, Finalized]:
    """epoch -> the finalization in force, replaying the logs in chain order."""
    events = sorted([*finalized, *revoked], key=lambda e: (e.block_number, e.log_index))
    out: dict[int, Finalized] = {}
    for event in events:
        if isinstance(event, Finalized):
            out[event.epoch] = event
        elif event.epoch in out and out[event.epoch].root == event.root:
            del out[event.epoch]
    return out


def roots(standing_: Mapping[int, Finalized]) -> list[tuple[Finalized, ...]]:
    """The standing finalizations grouped by the root (the transaction) that made them, in epoch order."""
    groups: dict[str, list[Finalized]] = {}
    for epoch in sorted(standing_):
        groups.setdefault(standing_[epoch].tx_hash, []).append(standing_[epoch])
    return sorted((tuple(g) for g in groups.values()), key=lambda g: g[0].epoch)


def root_of(groups: Sequence[tuple[Finalized, ...]], epoch: int) -> tuple[Finalized, ...] | None:
    """The group whose root finalized `epoch`."""
    return next((g for g in groups if g[0].epoch <= epoch <= g[-1].epoch), None)


@dataclass(frozen=True)
class EpochTotals:
    """What one epoch splits: its subsidy, its revenue, and the price its event logs."""

    epoch: int
    subsidy: int
    revenue: int
    price: int


@dataclass(frozen=True)
class EpochAllocation:
    """One epoch of a root: what its `EpochFinalized` logs, and how it was split."""

    epoch: int
    subsidy: int
    revenue: int
    price: int
    allocations: dict[str, tuple[int, int]]  # account -> (subsidy, revenue) of this epoch alone
    cumulative: dict[str, tuple[int, int]]  # account -> entitlements after this epoch, for the accounts with work


@dataclass(frozen=True)
class EpochPlan:
    """The epochs `first` to `last` (often one) of one root, split, with the tree after `last`."""

    epochs: tuple[EpochAllocation, ...]
    work: dict[str, int]  # account -> work units, the same for every epoch of the root
    tree: EntitlementTree  # cumulative entitlements after `last`

    @property
    def first(self) -> int:
        return self.epochs[0].epoch

    @property
    def last(self) -> int:
        return self.epochs[-1].epoch

    @property
    def work_units(self) -> int:
        return sum(self.work.values())

    @property
    def contributors(self) -> int:
        return len(self.work)

    @property
    def subsidy(self) -> int:
        return sum(e.subsidy for e in self.epochs)

    @property
    def revenue(self) -> int:
        return sum(e.revenue for e in self.epochs)

    @property
    def allocations(self) -> dict[str, tuple[int, int]]:
        """account -> (subsidy, revenue) over the whole range."""
        return {a: (sum(e.allocations[a][0] for e in self.epochs), sum(e.allocations[a][1] for e in self.epochs))
                for a in self.work}

    def describe(self) -> str:
        return f"epoch {self.first}" if self.first == self.last else f"epochs {self.first} to {self.last}"


def split(totals: Sequence[EpochTotals], work: Mapping[str, int], previous: Mapping[str, tuple[int, int]],
          chain_id: int, distributor: str) -> EpochPlan:
    """Split each epoch's subsidy and revenue by work, epoch by epoch, onto everyone's earlier entitlements."""
    cumulative = dict(previous)
    done = []
    for t in totals:
        subsidy = allocate(t.subsidy, work)
        revenue = allocate(t.revenue, work)
        for account in work:
            old_subsidy, old_revenue = cumulative.get(account, (0, 0))
            cumulative[account] = (old_subsidy + subsidy[account], old_revenue + revenue[account])
        done.append(EpochAllocation(t.epoch, sum(subsidy.values()), sum(revenue.values()), t.price,
                                    {a: (subsidy[a], revenue[a]) for a in work}, {a: cumulative[a] for a in work}))
    return EpochPlan(epochs=tuple(done), work=dict(work), tree=tree_of(cumulative, chain_id, distributor))


def tree_of(cumulative: Mapping[str, tuple[int, int]], chain_id: int, distributor: str) -> EntitlementTree:
    entitlements = [Entitlement(a, s, r) for a, (s, r) in sorted(cumulative.items(), key=lambda kv: kv[0].lower())]
    return EntitlementTree(chain_id, distributor, entitlements)


def entitlements(tree: EntitlementTree | None) -> dict[str, tuple[int, int]]:
    """account -> (cumulative subsidy, cumulative revenue) of a tree; {} before the first root."""
    if tree is None:
        return {}
    return {e.account: (e.cumulative_subsidy, e.cumulative_revenue) for e in tree.entitlements}


def carry_before(first: int, standing_: Mapping[int, Finalized], income: Mapping[int, int]) -> int:
    """Revenue the finalized epochs before `first` left unallocated: their net payments less their revenue."""
    return sum(income.get(e, 0) for e in range(first)) - sum(standing_[e].revenue for e in range(first))


def differences(expected: Mapping[str, tuple[int, int]], actual: Mapping[str, tuple[int, int]]) -> list[str]:
    """Accounts whose (subsidy, revenue) entitlements differ between two trees, in address order."""
    return sorted((a for a in set(expected) | set(actual) if expected.get(a) != actual.get(a)), key=str.lower)
