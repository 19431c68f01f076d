"""The supply report: the operations and quality of the network's hardware, per period.

Nodes come from `NodeRegistered` and `NodeRetired` (a node is active in epoch `e` when it was registered at or
before `e` and not retired at or before it, as for real-yield's `active_nodes`); their work from the ledger's
`node_work` rows (one per node that reported work in an epoch, when the epoch's work file named nodes). A
registered, active node with no `node_work` row in an epoch that has some is idle. Epochs without node rows are
not measured: the figures drawn from work are unknown there, never 0.

Over a day, week or month a node's work is its sum over the period's measured epochs, and a node counts if it
was active in at least one of them; idle means it reported nothing in any. Work is integer work units, so the
percentiles are exact: the nearest-rank rule (`nearest_rank`). Concentration reuses the contributors' Gini and
top-10% share. The summary's node lifetime is a Kaplan–Meier estimate (`kaplan_meier_median`), so nodes still
running count for as long as they have run instead of being left out or counted as retired.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from indexer.chain.epochs import Epochs
from indexer.db.schema import allocation, node_work
from indexer.errors import FlywheelError
from indexer.reports import concentration, ledger as ledgers, queries as q
from indexer.reports.build import check_interval, period_columns, period_table
from indexer.reports.model import Report
from indexer.reports.numbers import exact_decimals, price_usd, scaled, tokens
from indexer.reports.realyield import Dated, group, period_head

SUPPLY_COLUMNS = [
    "epoch_start", "epoch_end", "start_time", "nodes_active", "nodes_new", "nodes_retired", "churn", "idle_share",
    "work_p10", "work_p50", "work_p90", "work_gini", "work_top_10_percent_share", "contributors_with_work",
]
# The terminal's columns, most important first.
SUPPLY_TABLE = ["nodes_active", "nodes_new", "nodes_retired", "churn", "idle_share", "work_p50", "work_gini",
                "contributors_with_work", "work_p10", "work_p90", "work_top_10_percent_share"]


def nearest_rank(values: list[int], percent: int) -> int | None:
    """The `percent`-th percentile by the nearest-rank rule: the smallest value with at least `percent`% of the
    values at or below it, i.e. the ceil(percent/100 × n)-th smallest (the smallest for 0). Always one of the
    values, so integer work stays an integer; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(percent, 100) * len(ordered)))
    return ordered[rank - 1]


def kaplan_meier_median(lifetimes: Iterable[tuple[int, bool]]) -> int | None:
    """The median lifetime by the Kaplan–Meier product-limit estimator.

    `lifetimes` are (duration, ended) pairs: a retired node's epochs from registration to retirement (ended), or
    a running node's epochs from registration to the last observed epoch (censored: it lasted at least that
    long). The survival curve is S(t) = Π over event times t_i ≤ t of (1 − d_i / n_i), with d_i the nodes that
    retired at t_i and n_i those still at risk just before it: every node whose duration is at least t_i, so a
    node censored at t_i counts as at risk at t_i (censoring is taken to come after the retirements of the
    same epoch). The median is the smallest t with S(t) ≤ 1/2, computed exactly (fractions); None when the
    curve never falls that far: more than half the nodes outlive every retirement seen so far.
    """
    pairs = list(lifetimes)
    retired: dict[int, int] = {}
    for duration, ended in pairs:
        if ended:
            retired[duration] = retired.get(duration, 0) + 1
    survival = Fraction(1)
    for t in sorted(retired):
        at_risk = sum(1 for duration, _ in pairs if duration >= t)
        survival *= 1 - Fraction(retired[t], at_risk)
        if survival <= Fraction(1, 2):
            return t
    return None


@dataclass(frozen=True)
class Node:
    node_id: str
    owner: str
    registered: int  # epoch
    retired: int | None  # epoch, None while it runs

    def active(self, epoch: int) -> bool:
        return self.registered <= epoch and (self.retired is None or self.retired > epoch)


def nodes(conn: Connection, t: q.Tables, d: q.DeploymentInfo) -> dict[str, Node]:
    """Every registered node (one row per node: ids are never reused), with the epoch it retired in."""
    reg, ret = t.node_registered, t.node_retired
    registry = d.contracts["node_registry"]
    retired = {node.lower(): int(epoch) for node, epoch in conn.execute(
        select(ret.c.node_id, func.min(q.as_int(ret.c.epoch, t.dialect)))
        .where(q._is(ret.c.contract, registry), ret.c.chain_id == d.chain_id).group_by(ret.c.node_id))}
    out = {}
    for node, owner, epoch in conn.execute(
            select(reg.c.node_id, func.min(func.lower(reg.c.owner)), func.min(q.as_int(reg.c.epoch, t.dialect)))
            .where(q._is(reg.c.contract, registry), reg.c.chain_id == d.chain_id).group_by(reg.c.node_id)):
        node = node.lower()
        out[node] = Node(node, owner, int(epoch), retired.get(node))
    return out


def lifetimes(all_nodes: Iterable[Node], last_epoch: int) -> list[tuple[int, bool]]:
    """Each node's (epochs from registration to retirement, retired), observed up to `last_epoch`: a node running
    then, or retired only after it, is censored there; a node registered after it is not observed yet."""
    out = []
    for n in all_nodes:
        if n.registered > last_epoch:
            continue
        if n.retired is not None and n.retired <= last_epoch:
            out.append((n.retired - n.registered, True))
        else:
            out.append((last_epoch - n.registered, False))
    return out


@dataclass
class PeriodWork:
    """What a period's measured epochs say about its nodes' work."""

    idle_share: Decimal | None = None
    p10: int | None = None
    p50: int | None = None
    p90: int | None = None
    gini: Decimal | None = None
    top_share: Decimal | None = None


def period_work(measured: list[int], all_nodes: dict[str, Node], work: dict[str, int]) -> PeriodWork:
    """Idle share, percentiles and concentration of work across the nodes active in any `measured` epoch, each
    node's work the sum over those epochs (`work`; a node without an entry did none). Unknown with no epoch
    measured or no node active."""
    if not measured:
        return PeriodWork()
    active = {n.node_id for n in all_nodes.values() if any(n.active(e) for e in measured)} | set(work)
    if not active:
        return PeriodWork()
    values = [work.get(n, 0) for n in active]
    as_decimals = [Decimal(v) for v in values]
    return PeriodWork(
        idle_share=Decimal(sum(1 for v in values if v == 0)) / len(values),
        p10=nearest_rank(values, 10), p50=nearest_rank(values, 50), p90=nearest_rank(values, 90),
        gini=concentration.gini(as_decimals), top_share=concentration.top_share(as_decimals),
    )


def _work_by_epoch(conn: Connection, d: q.DeploymentInfo, roots: dict[int, str]) -> dict[int, dict[str, tuple[str, int]]]:
    """epoch -> node -> (owner, work units), of the standing roots' `node_work` rows."""
    w = node_work.c
    out: dict[int, dict[str, tuple[str, int]]] = {}
    for epoch, node, owner, units in ledgers.ledger_rows(conn, d, node_work, roots, w.node_id, w.owner, w.work_units):
        out.setdefault(epoch, {})[node.lower()] = (owner.lower(), q.to_int(units))
    return out


def _contributors(conn: Connection, d: q.DeploymentInfo, roots: dict[int, str], period_of: dict[int, int]) -> dict[int, int]:
    """period index -> accounts with work in any of its epochs, from the ledger's allocation rows."""
    counts: dict[int, int] = {}
    current, seen = None, set()
    for epoch, account in ledgers.ledger_rows(conn, d, allocation, roots, allocation.c.account, by_account=True):
        if account != current:
            current, seen = account, set()
        i = period_of.get(epoch)
        if i is not None and i not in seen:
            seen.add(i)
            counts[i] = counts.get(i, 0) + 1
    return counts


def _owner_usd(conn: Connection, d: q.DeploymentInfo, roots: dict[int, str], prices: dict[int, int],
               owners: set[str]) -> dict[tuple[int, str], tuple[int, Decimal]]:
    """(epoch, owner) -> (the owner's work units, its allocation's USD: subsidy at the epoch's price plus revenue)."""
    a = allocation.c
    out = {}
    for epoch, account, units, subsidy, revenue in ledgers.ledger_rows(conn, d, allocation, roots, a.account, a.work_units,
                                                                        a.subsidy, a.revenue):
        if account.lower() in owners:
            usd = tokens(q.to_int(subsidy)) * price_usd(prices[epoch]) + scaled(q.to_int(revenue), d.payment_decimals)
            out[(epoch, account.lower())] = (q.to_int(units), usd)
    return out


def retired_before_payback(retired: list[Node], work: dict[int, dict[str, tuple[str, int]]],
                           owner_usd: dict[tuple[int, str], tuple[int, Decimal]], hardware_cost: Decimal) -> Decimal | None:
    """The share of `retired` nodes whose earnings never reached `hardware_cost`. A node earns, each epoch, its
    owner's allocation USD × the node's work ÷ the owner's work; epochs without node rows earn it nothing
    known. None with no retired node, or no node rows at all."""
    if not retired or not work:
        return None
    short = 0
    for n in retired:
        earned = Decimal(0)
        for epoch, by_node in work.items():
            if n.node_id in by_node:
                owner, units = by_node[n.node_id]
                owner_units, usd = owner_usd.get((epoch, owner), (0, Decimal(0)))
                if owner_units:
                    earned += usd * units / owner_units
        short += earned < hardware_cost
    return Decimal(short) / len(retired)


@exact_decimals
def supply(conn: Connection, d: q.DeploymentInfo, interval: str, hardware_cost: Decimal | None = None) -> Report:
    check_interval(interval)
    if hardware_cost is not None and hardware_cost < 0:
        raise FlywheelError("--hardware-cost must not be negative")
    t = q.tables(conn)
    finalized = q.finalized(conn, t, d)
    if not finalized:
        raise FlywheelError("no finalized epochs in the database yet: index a deployment that has closed an epoch")
    roots = q.standing_roots(conn, t, d)
    all_nodes = nodes(conn, t, d)
    work = _work_by_epoch(conn, d, roots)
    epochs = Epochs(d.genesis, d.epoch_length)
    periods = group([Dated(e, epochs.start(e)) for e, *_ in finalized], interval)
    period_of = {item.epoch: i for i, (_, items) in enumerate(periods) for item in items}
    with_work = _contributors(conn, d, roots, period_of)
    # The ledger covers the epochs up to its last one with rows: an epoch within it without rows had no work.
    ledger_last = max(_allocated_epochs(conn, d, roots), default=None)
    rows = []
    for i, (start, items) in enumerate(periods):
        first, last = items[0].epoch, items[-1].epoch
        measured = [item.epoch for item in items if item.epoch in work]
        node_sums: dict[str, int] = {}
        for e in measured:
            for node, (_, units) in work[e].items():
                node_sums[node] = node_sums.get(node, 0) + units
        w = period_work(measured, all_nodes, node_sums)
        before = sum(1 for n in all_nodes.values() if n.active(first - 1))
        retired = sum(1 for n in all_nodes.values() if n.retired is not None and first <= n.retired <= last)
        rows.append({
            **period_head(start, first, last, interval),
            "nodes_active": sum(1 for n in all_nodes.values() if n.active(last)),
            "nodes_new": sum(1 for n in all_nodes.values() if first <= n.registered <= last),
            "nodes_retired": retired,
            "churn": Decimal(retired) / before if before else None,
            "idle_share": w.idle_share, "work_p10": w.p10, "work_p50": w.p50, "work_p90": w.p90,
            "work_gini": w.gini, "work_top_10_percent_share": w.top_share,
            "contributors_with_work": with_work.get(i, 0) if ledger_last is not None and first <= ledger_last else None,
        })
    last_epoch = finalized[-1][0]
    observed = lifetimes(all_nodes.values(), last_epoch)
    summary = {
        "last_epoch": last_epoch,
        "nodes_registered": len(observed),
        "nodes_retired": sum(1 for _, ended in observed if ended),
        "nodes_still_active": sum(1 for _, ended in observed if not ended),
        "median_node_lifetime_epochs": kaplan_meier_median(observed),
    }
    if hardware_cost is not None:
        retired_nodes = [n for n in all_nodes.values() if n.retired is not None and n.retired <= last_epoch]
        owners = {n.owner for n in retired_nodes}
        owner_usd = _owner_usd(conn, d, roots, {e: p for e, _, _, p in finalized}, owners) if owners else {}
        summary["hardware_cost_usd"] = hardware_cost
        summary["retired_before_payback_share"] = retired_before_payback(retired_nodes, work, owner_usd, hardware_cost)
    return Report("supply", f"Supply side: nodes, churn, idle hardware and work per {interval}", interval, rows, summary,
                  period_columns(interval, SUPPLY_COLUMNS), table_columns=period_table(interval, SUPPLY_TABLE),
                  epoch_length=d.epoch_length)


def _allocated_epochs(conn: Connection, d: q.DeploymentInfo, roots: dict[int, str]) -> list[int]:
    """The standing epochs the ledger has allocation rows for."""
    if not ledgers.present(conn, allocation):
        return []
    a = allocation.c
    rows = conn.execute(select(a.epoch, a.root).where(a.chain_id == d.chain_id, q._is(a.distributor, d.contracts["reward_distributor"]))
                        .group_by(a.epoch, a.root))
    return [int(e) for e, root in rows if roots.get(int(e)) == str(root).lower()]
