"""`epoch publish` and `epoch verify`: an epoch's root, checked by anyone from public facts.

A bundle holds what a root was computed from that the chain does not: the work file, the tree (so a failed
check can name the accounts whose amounts differ), the previous epoch's tree (the entitlements the epoch adds
onto) and the totals the chain logged. `verify` recomputes the root from the bundle and the chain's logs alone,
with the close's own allocation code (`indexer.settle.ledger`):

- the subsidy of each epoch is the schedule's emission, computed from the manifest's parameters;
- the revenue pool is what earlier epochs left unallocated plus the epoch's net payments (`PaymentReceived`);
- the previous tree is trusted only if it hashes to the root standing for the epoch before.

It reads logs only (`eth_getLogs`, no `eth_call` at a past block), so a public RPC without archive state will
do, and no settlement store or database. A range finalized with one root is verified whole, whichever of its
epochs is asked for. The logs are fetched with the indexer's own adaptive range fetcher.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer import atomic
from indexer.app import Log, quiet
from indexer.chain.manifest import Manifest
from indexer.chain.rpc import NodeClient
from indexer.chain.schedule import emission
from indexer.chain.units import NETWORK_TOKEN_DECIMALS, Unit
from indexer.errors import FlywheelError
from indexer.ingest import decode as decoding
from indexer.ingest.fetch import Fetcher
from indexer.settle import ledger, workfile
from indexer.settle.ledger import EpochPlan, EpochTotals, Finalized, Revoked
from indexer.settle.store import SettlementStore, read_tree

WANTED = ("epoch_finalized", "root_revoked", "payment_received", "node_registered")
BUNDLE = {"work": "work.csv", "tree": "tree.json", "previous": "previous-tree.json", "totals": "totals.json",
          "readme": "README.txt"}


@dataclass
class ChainLogs:
    """What the verifier reads from the chain: finalizations, revocations, net payments and node owners."""

    finalized: list[Finalized] = field(default_factory=list)
    revoked: list[Revoked] = field(default_factory=list)
    income: dict[int, int] = field(default_factory=dict)  # epoch -> net payments (amount - fee)
    owners: dict[str, str] = field(default_factory=dict)  # node id -> owner

    def standing(self) -> dict[int, Finalized]:
        return ledger.standing(self.finalized, self.revoked)

    def group(self, epoch: int) -> tuple[Finalized, ...]:
        """The standing root that finalized `epoch`: one epoch, or the whole range it was finalized with."""
        found = ledger.root_of(ledger.roots(self.standing()), epoch)
        if found is None:
            raise FlywheelError(f"epoch {epoch} is not finalized on chain (or its root was revoked)")
        return found


def read_logs(client: NodeClient, manifest: Manifest, log: Log = quiet) -> ChainLogs:
    """Every log the check needs, from the deployment block to the head."""
    decoders = {topic: d for topic, d in decoding.decoders(manifest, "postgresql").items() if d.table in WANTED}
    emitters = sorted({source for d in decoders.values() for source in d.sources})
    fetcher = Fetcher(client, emitters, [sorted(decoders)], lambda logs, times: decoding.decode(logs, decoders, manifest.chain_id, times))
    out = ChainLogs()
    start, head = manifest.deploy_block, int(client.call("eth_blockNumber"), 16)
    log(f"reading the deployment's logs from block {start} to {head}")
    while start <= head:
        batch = fetcher.fetch(start, head, head + 1)
        for table, rows in batch.rows.items():
            columns = next(d.columns for d in decoders.values() if d.table == table)
            for row in rows:
                _take(out, table, dict(zip(columns, row)))
        start = batch.end + 1
    return out


def _take(out: ChainLogs, table: str, r: dict) -> None:
    if table == "epoch_finalized":
        out.finalized.append(Finalized(r["epoch"], r["root"], r["subsidy"], r["revenue"], r["work_units"],
                                       r["contributors"], r["price"], r["block_number"], r["log_index"], r["tx_hash"]))
    elif table == "root_revoked":
        out.revoked.append(Revoked(r["epoch"], r["root"], r["block_number"], r["log_index"]))
    elif table == "payment_received":
        out.income[r["epoch"]] = out.income.get(r["epoch"], 0) + r["amount"] - r["fee"]
    else:
        out.owners[r["node_id"]] = r["owner"]


def expected_totals(manifest: Manifest, logs: ChainLogs, group: tuple[Finalized, ...]) -> list[EpochTotals]:
    """Each epoch's whole emission and whole revenue pool, as a close allocates them, from the logs alone."""
    carry = ledger.carry_before(group[0].epoch, logs.standing(), logs.income)
    totals = []
    for f in group:
        pool = carry + logs.income.get(f.epoch, 0)
        totals.append(EpochTotals(f.epoch, emission(manifest.parameters, f.epoch), pool, f.price))
        carry = pool - f.revenue  # the chain carries on what its logged revenue left
    return totals


@dataclass(frozen=True)
class Verdict:
    plan: EpochPlan
    root: str  # the chain's
    problems: list[str]  # empty: verified

    @property
    def verified(self) -> bool:
        return not self.problems


def verify(manifest: Manifest, logs: ChainLogs, epoch: int, work: workfile.Work, *,
           previous_tree: Path | None = None, reference_tree: Path | None = None,
           store: SettlementStore | None = None, named: int = 10, fly: Unit = Unit("tokens", NETWORK_TOKEN_DECIMALS),
           dollars: Unit | None = None) -> Verdict:
    """Recompute the root of `epoch` (its whole range) and compare it with the chain's. `reference_tree` (or the
    store's tree) is the published tree, read only to name the accounts whose amounts differ."""
    group = logs.group(epoch)
    first, last, root = group[0].epoch, group[-1].epoch, group[-1].root
    stand = logs.standing()
    previous = _previous(stand, first, previous_tree, store)
    if work.nodes and any(owner is None for owner, _ in work.nodes.values()):
        unknown = [n for n, (owner, _) in work.nodes.items() if owner is None and n not in logs.owners]
        if unknown:
            raise FlywheelError(f"node {unknown[0]} of the work file was never registered on this deployment")
        work = work.with_owners(logs.owners)
    dollars = dollars or Unit("USD", manifest.payment_decimals)
    totals = expected_totals(manifest, logs, group)
    distributor = manifest.contracts["reward_distributor"]
    plan = ledger.split(totals, work.accounts, previous, manifest.chain_id, distributor)
    problems = []
    for t, f in zip(totals, group):
        if t.subsidy != f.subsidy:
            problems.append(f"epoch {f.epoch}: the chain logged a subsidy of {fly.show(f.subsidy)}, "
                            f"the schedule's emission is {fly.show(t.subsidy)}")
        if t.revenue != f.revenue:
            problems.append(f"epoch {f.epoch}: the chain logged a revenue of {dollars.show(f.revenue)}, "
                            f"the pool is {dollars.show(t.revenue)}")
    if "0x" + plan.tree.root.hex() != root:
        problems.append(f"the recomputed root 0x{plan.tree.root.hex()} is not the chain's {root}")
        problems += _named(plan, reference_tree, store, last, root, named, fly, dollars)
    return Verdict(plan, root, problems)


def _previous(stand: dict[int, Finalized], first: int, previous_tree: Path | None,
              store: SettlementStore | None) -> dict[str, tuple[int, int]]:
    """The entitlements before `first`, from a tree that hashes to the root standing for `first - 1`."""
    if first == 0:
        return {}
    before = stand[first - 1].root
    if previous_tree is not None:
        tree = read_tree(previous_tree)
        if "0x" + tree.root.hex() != before:
            raise FlywheelError(f"{previous_tree} is not the tree of epoch {first - 1}: its root is not {before} on chain")
        return ledger.entitlements(tree)
    if store is not None and store.tree_path(first - 1).exists():
        return ledger.entitlements(store.tree(first - 1, bytes.fromhex(before[2:])))
    raise FlywheelError(f"epoch {first} adds onto the entitlements after epoch {first - 1}: pass --previous-tree FILE "
                        f"(epoch {first - 1}'s published tree.json) or --store DIR")


def _named(plan: EpochPlan, reference_tree: Path | None, store: SettlementStore | None, last: int, root: str,
           named: int, fly: Unit, dollars: Unit) -> list[str]:
    """The accounts whose recomputed entitlements differ from the published tree's, when that tree is the root's."""
    if reference_tree is not None:
        tree = read_tree(reference_tree)
    elif store is not None and store.tree_path(last).exists():
        tree = read_tree(store.tree_path(last))
    else:
        return ["no published tree to compare with (pass --tree FILE): the accounts that differ cannot be named"]
    if "0x" + tree.root.hex() != root:
        return [f"the published tree is not the chain's either (its root is 0x{tree.root.hex()}): "
                "the accounts that differ cannot be named"]
    ours, theirs = ledger.entitlements(plan.tree), ledger.entitlements(tree)
    accounts = ledger.differences(ours, theirs)
    lines = [f"{len(accounts):,} account{'' if len(accounts) == 1 else 's'} differ from the tree the root commits to:"]
    for account in accounts[:named]:
        mine, chain = ours.get(account, (0, 0)), theirs.get(account, (0, 0))
        lines.append(f"  {account}: recomputed {fly.show(mine[0])} and {dollars.show(mine[1])}; "
                     f"the root's {fly.show(chain[0])} and {dollars.show(chain[1])}")
    if len(accounts) > named:
        lines.append(f"  and {len(accounts) - named:,} more")
    return lines


def publish(manifest: Manifest, logs: ChainLogs, store: SettlementStore, epoch: int, out: Path,
            say: Callable[[str], None] = quiet) -> list[Path]:
    """Write `epoch`'s public bundle into `out`; refuses a store whose tree or work file is not the chain's root's."""
    group = logs.group(epoch)
    first, last, root = group[0].epoch, group[-1].epoch, group[-1].root
    tree = store.tree(last, bytes.fromhex(root[2:]))
    work = store.work(last)
    if work is None:
        raise FlywheelError(f"settlement store {store.root} has no work file for epoch {last}: "
                            "it was closed before work files were kept, so it cannot be published")
    f = next(f for f in group if f.epoch == epoch)
    accounts = workfile.parse(work, str(store.work_path(last))).accounts
    totals = {"chain_id": str(manifest.chain_id), "distributor": manifest.contracts["reward_distributor"],
              "epoch": str(epoch), "root": root, "subsidy": str(f.subsidy), "revenue": str(f.revenue),
              "work_units": str(sum(accounts.values())), "contributors": str(len(accounts)),
              "price": str(f.price), "first_epoch": str(first), "last_epoch": str(last)}
    files = {BUNDLE["work"]: work, BUNDLE["tree"]: json.dumps(tree.dump(), indent=1) + "\n",
             BUNDLE["totals"]: json.dumps(totals, indent=1) + "\n", BUNDLE["readme"]: readme(manifest, epoch, first)}
    if first > 0:
        before = logs.standing()[first - 1]
        files[BUNDLE["previous"]] = json.dumps(store.tree(first - 1, bytes.fromhex(before.root[2:])).dump(), indent=1) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        atomic.write(out / name, text)
    return [out / name for name in files]


def readme(manifest: Manifest, epoch: int, first: int) -> str:
    previous = (f"- {BUNDLE['previous']}: the tree of epoch {first - 1}, whose entitlements this epoch adds onto.\n"
                if first > 0 else "")
    return (
        f"Epoch {epoch} of the Flywheel deployment whose distributor is {manifest.contracts['reward_distributor']} "
        f"on chain {manifest.chain_id}.\n\n"
        f"- {BUNDLE['work']}: the work the epoch's rewards were split by.\n"
        f"- {BUNDLE['tree']}: every account's cumulative entitlements after it (OpenZeppelin standard-v1 dump).\n"
        f"{previous}"
        f"- {BUNDLE['totals']}: what the chain's EpochFinalized log says (amounts in base units, as decimal strings).\n\n"
        "To check that the root on chain follows from this work, with any RPC node of the chain (no archive node):\n\n"
        f"    flywheel epoch verify --deployment MANIFEST --rpc-url URL --epoch {epoch} --work {BUNDLE['work']}\n\n"
        "run in this folder. It recomputes the epoch's emission from the schedule and its revenue pool from the\n"
        "payments logged, splits both by the work file with the same code that closed the epoch, and prints\n"
        "`verified`, or the accounts whose amounts differ.\n"
    )
