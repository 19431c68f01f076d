"""Import the settlement ledger: each finalized epoch's allocations, from the settlement store into the database.

A root on chain is a hash; what each account earned is in the store's trees and work files. The import trusts
a root's files only when they prove it: the tree must hash to the root its `EpochFinalized` logs carry, and the
work file, split again with the close's own code (`indexer.settle.ledger.split`) onto the entitlements before
it, must give that same root. A root whose files do not is refused with one line, and nothing of it is written.

Rows follow the chain with the rest of the database: a reorg removes the rows of the `EpochFinalized` logs it
removes (`allocation`'s rollback policy), indexing a `RootRevoked` removes the revoked root's rows (in the same
transaction, `indexer.ingest.store.forget_revoked`), and the next import brings back whatever stands again. The
import reads only indexed logs, so it can be no further ahead than the checkpoint. It is idempotent (a root
whose rows are there is skipped), commits one root at a time, so an interrupted import resumes where it
stopped, and writes nothing for roots whose files are not in the store yet (an epoch closed on another machine
whose store has not been copied over), which it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from indexer.db.schema import EVENT_TABLES, LEDGER_TABLES, allocation, node_work
from indexer.errors import FlywheelError
from indexer.ingest.store import Fence, Stream, transact
from indexer.settle import ledger, workfile
from indexer.settle.ledger import EpochPlan, Finalized, Revoked
from indexer.settle.store import SettlementStore

_FINALIZED = EVENT_TABLES["epoch_finalized"]
_REVOKED = EVENT_TABLES["root_revoked"]


@dataclass
class ImportResult:
    imported: list[int] = field(default_factory=list)  # epochs whose rows were written
    removed: list[int] = field(default_factory=list)  # epochs whose rows went: their root no longer stands
    missing: list[int] = field(default_factory=list)  # standing epochs the store has no files for yet


def standing(conn: Connection, stream: Stream) -> dict[int, Finalized]:
    """epoch -> the indexed finalization in force."""
    f = _FINALIZED.c
    finalized = [Finalized(int(r.epoch), r.root, int(r.subsidy), int(r.revenue), int(r.work_units),
                           int(r.contributors), int(r.price), r.block_number, r.log_index, r.tx_hash)
                 for r in conn.execute(select(_FINALIZED).where(f.chain_id == stream.chain_id, f.contract == stream.distributor))]
    v = _REVOKED.c
    revoked = [Revoked(int(r.epoch), r.root, r.block_number, r.log_index)
               for r in conn.execute(select(_REVOKED).where(v.chain_id == stream.chain_id, v.contract == stream.distributor))]
    return ledger.standing(finalized, revoked)


def _imported(conn: Connection, stream: Stream) -> dict[int, str]:
    """epoch -> the root its allocation rows were checked against."""
    a = allocation.c
    rows = conn.execute(select(a.epoch, func.min(a.root)).where(a.chain_id == stream.chain_id, a.distributor == stream.distributor)
                        .group_by(a.epoch))
    return {epoch: root for epoch, root in rows}


def _delete(conn: Connection, stream: Stream, epochs: list[int]) -> None:
    for table in LEDGER_TABLES:
        conn.execute(delete(table).where(table.c.chain_id == stream.chain_id, table.c.distributor == stream.distributor,
                                         table.c.epoch.in_(epochs)))


def _plan(store: SettlementStore, stream: Stream, group: tuple[Finalized, ...],
          previous: dict[str, tuple[int, int]]) -> tuple[EpochPlan, workfile.Work]:
    """Split the root's epochs again from its kept work file, and check the result and the stored tree against the
    root; refuses with one line."""
    first, last, root = group[0].epoch, group[-1].epoch, group[-1].root
    what = f"epoch {last}" if first == last else f"epochs {first} to {last}"
    tree = store.tree(last, bytes.fromhex(root[2:]))  # refuses a missing tree, or one that is not the root's
    text = store.work(last)
    if text is None:
        raise FlywheelError(f"settlement store {store.root} has no work file for {what} ({store.work_path(last).name}): "
                            "its allocations cannot be checked against the root, so none were imported")
    work = workfile.parse(text, str(store.work_path(last)))
    totals = [ledger.EpochTotals(f.epoch, f.subsidy, f.revenue, f.price) for f in group]
    plan = ledger.split(totals, work.accounts, previous, stream.chain_id, tree.distributor)
    if plan.tree.root != tree.root:
        raise FlywheelError(f"the stored work file of {what} does not give its root {root} on chain: refused, nothing written")
    return plan, work


def _rows(stream: Stream, plan: EpochPlan, work: workfile.Work, group: tuple[Finalized, ...]) -> tuple[list[dict], list[dict]]:
    key = {"chain_id": stream.chain_id, "distributor": stream.distributor}
    allocations, nodes = [], []
    for e, f in zip(plan.epochs, group):
        at = {**key, "epoch": e.epoch, "root": f.root, "block_number": f.block_number}
        for account, units in plan.work.items():
            (subsidy, revenue), (cumulative_subsidy, cumulative_revenue) = e.allocations[account], e.cumulative[account]
            allocations.append({**at, "account": account.lower(), "work_units": units, "subsidy": subsidy,
                                "revenue": revenue, "cumulative_subsidy": cumulative_subsidy,
                                "cumulative_revenue": cumulative_revenue})
        nodes += [{**at, "node_id": node, "owner": owner.lower(), "work_units": units}
                  for node, (owner, units) in work.nodes.items()]
    return allocations, nodes


def _still_standing(conn: Connection, stream: Stream, group: tuple[Finalized, ...]) -> bool:
    """The group's logs are still indexed: a reorg on another connection may have removed them meanwhile."""
    f = _FINALIZED.c
    count = conn.execute(select(func.count()).select_from(_FINALIZED).where(
        f.chain_id == stream.chain_id, f.contract == stream.distributor, f.tx_hash == group[0].tx_hash)).scalar()
    return count == len(group)


def sync(engine: Engine, stream: Stream, store: SettlementStore, fence: Fence | None = None,
         log: Callable[[str], None] = lambda line: None, strict: bool = True) -> ImportResult:
    """Bring the ledger tables in line with the indexed finalizations. `strict`: a root whose files are missing
    raises (the command); else it is named in the result and the import goes on past it (the indexer, whose
    store may be copied over later)."""
    fence = fence or (lambda conn: None)
    result = ImportResult()
    with engine.connect() as conn:
        stand = standing(conn, stream)
        done = _imported(conn, stream)
    stale = sorted(e for e, root in done.items() if e not in stand or stand[e].root != root)
    if stale:
        with transact(engine, fence) as conn:
            _delete(conn, stream, stale)
        result.removed = stale
    previous: dict[str, tuple[int, int]] | None = {}
    for group in ledger.roots(stand):
        first, last = group[0].epoch, group[-1].epoch
        if all(done.get(f.epoch) == f.root for f in group) and first not in stale:
            previous = None  # known to be imported; the next root's start is read from the store if needed
            continue
        if previous is None:
            before = stand.get(first - 1)
            previous = ledger.entitlements(store.tree(first - 1, bytes.fromhex(before.root[2:]))) if before else {}
        if not strict and (store.work(last) is None or not store.tree_path(last).exists()):
            result.missing += [f.epoch for f in group]
            log(f"ledger: the settlement store has no tree or work file for epoch {last} yet: not imported")
            break
        plan, work = _plan(store, stream, group, previous)
        allocations, nodes = _rows(stream, plan, work, group)
        with transact(engine, fence) as conn:
            if not _still_standing(conn, stream, group):
                break
            _delete(conn, stream, [f.epoch for f in group])
            conn.execute(insert(allocation), allocations)
            if nodes:
                conn.execute(insert(node_work), nodes)
        result.imported += [f.epoch for f in group]
        previous = ledger.entitlements(plan.tree)
        log(f"ledger: imported {plan.describe()} ({plan.contributors:,} accounts)")
    return result
