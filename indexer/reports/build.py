"""Assemble each report from the database's per-epoch aggregates."""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from indexer import userfiles
from indexer.chain.epochs import Epochs
from indexer.errors import FlywheelError, unknown
from indexer.reports import concentration, payback as paybacks, queries as q
from indexer.reports.numbers import exact_decimals, price_usd, scaled, text, tokens
from indexer.reports.realyield import INTERVALS, EpochFacts, build_rows, summarize
from indexer.reports.model import Report

REAL_YIELD_COLUMNS = [
    "epoch_start", "epoch_end", "start_time", "subsidy_tokens", "price_usd", "subsidy_usd", "revenue_usd",
    "real_yield_share", "coverage_ratio", "gross_payments_usd", "protocol_fees_usd", "active_nodes",
    "revenue_per_node_usd", "net_new_supply_tokens", "cumulative_subsidy_usd", "cumulative_revenue_usd", "cumulative_share",
]
REAL_YIELD_TABLE = [
    "start_time", "price_usd", "subsidy_usd", "revenue_usd", "real_yield_share", "coverage_ratio",
    "gross_payments_usd", "active_nodes", "cumulative_share",
]


def check_interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise unknown("interval", interval, INTERVALS)
    return interval


def epoch_facts(conn: Connection, d: q.DeploymentInfo) -> list[EpochFacts]:
    t = q.tables(conn)
    finalized = q.finalized(conn, t, d)
    if not finalized:
        raise FlywheelError("no finalized epochs in the database yet: index a deployment that has closed an epoch")
    payments = q.payments_by_epoch(conn, t, d)
    suspects = q.suspect_table(conn, q.suspect_links(conn, t, d))
    suspect = q.payments_by_epoch(conn, t, d, q.suspect_filter(suspects))
    changes = q.node_changes(conn, t, d)
    supply = q.supply_by_epoch(conn, t, d)
    epochs = Epochs(d.genesis, d.epoch_length)
    facts = []
    active, i = 0, 0
    for epoch, subsidy, revenue, price in finalized:
        if price == 0:
            raise FlywheelError(f"epoch {epoch} was finalized without a price")
        while i < len(changes) and changes[i][0] <= epoch:
            active = changes[i][1]
            i += 1
        gross, fees, count = payments.get(epoch, (0, 0, 0))
        s_gross, s_fees, _ = suspect.get(epoch, (0, 0, 0))
        minted, burned = supply.get(epoch, (0, 0))
        facts.append(EpochFacts(
            epoch=epoch, start_time=epochs.start(epoch), subsidy=subsidy, revenue=revenue, price=price,
            gross_payments=gross, protocol_fees=fees, payments=count, suspect_gross=s_gross, suspect_net=s_gross - s_fees,
            active_nodes=active, minted=minted, burned=burned,
        ))
    return facts


@exact_decimals
def real_yield(conn: Connection, d: q.DeploymentInfo, interval: str) -> Report:
    check_interval(interval)
    facts = epoch_facts(conn, d)
    rows = build_rows(facts, interval, d.payment_decimals)
    first = ["epoch_start"] if interval == "epoch" else ["epoch_start", "epoch_end"]
    return Report("real-yield", f"Subsidy versus revenue per {interval}", interval, rows,
                  summarize(facts, rows, interval, d.payment_decimals), REAL_YIELD_COLUMNS,
                  table_columns=first + REAL_YIELD_TABLE, epoch_length=d.epoch_length)


@exact_decimals
def contributors(conn: Connection, d: q.DeploymentInfo, top: int | None = None) -> Report:
    t = q.tables(conn)
    rc = t.reward_claimed
    epoch = ((rc.c.block_time - d.genesis) / d.epoch_length).label("epoch")
    account = func.lower(rc.c.account).label("account")

    def build(wide: bool):
        stmt = (select(account, epoch, q.exact_sum(rc.c.subsidy, t.dialect, wide), q.exact_sum(rc.c.revenue, t.dialect, wide),
                       q.width(rc.c.subsidy, t.dialect))
                .where(q._is(rc.c.contract, d.contracts["reward_distributor"]), rc.c.chain_id == d.chain_id)
                .group_by(account, epoch))
        return stmt, 4

    claims = q.run_exact(conn, build, t.dialect)
    finalized = [(e, p) for e, _, _, p in q.finalized(conn, t, d)]
    if not finalized:
        raise FlywheelError("no finalized epochs in the database yet: index a deployment that has closed an epoch")
    epochs = [e for e, _ in finalized]
    nodes = _nodes_by_owner(conn, t, d)
    per: dict[str, dict] = {}
    for acct, e, subsidy, revenue, _ in claims:
        e = int(e)
        # A claim is valued at the price of the last epoch finalized before it (the first one, for none).
        price = finalized[max(0, bisect_left(epochs, e) - 1)][1]
        row = per.setdefault(acct, {"subsidy": Decimal(0), "subsidy_usd": Decimal(0), "revenue_usd": Decimal(0), "first": e, "last": e})
        sub = tokens(q.to_int(subsidy))
        row["subsidy"] += sub
        row["subsidy_usd"] += sub * price_usd(price)
        row["revenue_usd"] += scaled(q.to_int(revenue), d.payment_decimals)
        row["first"], row["last"] = min(row["first"], e), max(row["last"], e)
    for owner, (registered, retired, first) in nodes.items():
        row = per.setdefault(owner, {"subsidy": Decimal(0), "subsidy_usd": Decimal(0), "revenue_usd": Decimal(0), "first": first, "last": first})
        row["first"] = min(row["first"], first)
    rows = []
    for acct, r in per.items():
        registered, retired, _ = nodes.get(acct, (0, 0, None))
        total = r["subsidy_usd"] + r["revenue_usd"]
        rows.append({
            "account": acct, "nodes_registered": registered, "nodes_active": registered - retired,
            "claimed_subsidy_tokens": text(r["subsidy"]), "claimed_subsidy_usd": text(r["subsidy_usd"]),
            "claimed_revenue_usd": text(r["revenue_usd"]), "claimed_usd": text(total),
            "first_epoch": r["first"], "last_epoch": r["last"], "_total": total,
        })
    rows.sort(key=lambda r: (-r["_total"], r["account"]))
    totals = [r.pop("_total") for r in rows]
    summary = {
        "accounts": len(rows),
        "claimed_usd": text(sum(totals, Decimal(0))),
        "top_10_percent_share": concentration.top_share(totals),
        "gini": concentration.gini(totals),
    }
    columns = ["account", "nodes_registered", "nodes_active", "claimed_subsidy_tokens", "claimed_subsidy_usd",
               "claimed_revenue_usd", "claimed_usd", "first_epoch", "last_epoch"]
    return Report("contributors", "Contributors: rewards claimed, valued at the price when claimed", None,
                  rows[:top] if top else rows, summary, columns, epoch_length=d.epoch_length)


def _nodes_by_owner(conn: Connection, t: q.Tables, d: q.DeploymentInfo) -> dict[str, tuple[int, int, int]]:
    reg, ret = t.node_registered, t.node_retired
    registry = d.contracts["node_registry"]
    owners: dict[str, list[int]] = {}
    for owner, count, first in conn.execute(
        select(func.lower(reg.c.owner), func.count(), func.min(q.as_int(reg.c.epoch, t.dialect)))
        .where(q._is(reg.c.contract, registry), reg.c.chain_id == d.chain_id).group_by(func.lower(reg.c.owner))
    ):
        owners[owner] = [int(count), 0, int(first)]
    for owner, count in conn.execute(
        select(func.lower(ret.c.owner), func.count()).where(q._is(ret.c.contract, registry), ret.c.chain_id == d.chain_id)
        .group_by(func.lower(ret.c.owner))
    ):
        owners.setdefault(owner, [0, 0, 0])[1] = int(count)
    return {k: tuple(v) for k, v in owners.items()}


def read_price_path(path: Path) -> list[Decimal]:
    """A price path: one USD price per epoch, as CSV `epoch,price_usd` or one price per line."""
    lines = [line.strip() for line in userfiles.text(path, "price path file").splitlines() if line.strip()]
    prices = []
    for number, line in enumerate(lines, start=1):
        value = line.split(",")[-1].strip()
        if number == 1 and not value.replace(".", "", 1).isdigit():
            continue  # a header
        try:
            price = Decimal(value)
        except ArithmeticError:
            raise FlywheelError(f"{path} line {number}: {value!r} is not a price") from None
        if not price.is_finite() or price < 0:
            raise FlywheelError(f"{path} line {number}: {value!r} is not a price")
        prices.append(price)
    if not prices:
        raise FlywheelError(f"{path} has no prices")
    return prices


@exact_decimals
def payback(conn: Connection, d: q.DeploymentInfo, hardware_cost: Decimal, opex_per_epoch: Decimal, price_path: list[Decimal] | None,
            window: int) -> Report:
    if hardware_cost < 0:
        raise FlywheelError("--hardware-cost must not be negative")
    if opex_per_epoch < 0:
        raise FlywheelError("--opex-per-epoch must not be negative")
    if window < 1:
        raise FlywheelError("--window must be at least 1")
    facts = epoch_facts(conn, d)
    rate = paybacks.node_rate(facts, d.payment_decimals, window)
    rows = paybacks.scenario_rows(hardware_cost, opex_per_epoch, rate, price_path, d.epoch_length)
    breakeven = paybacks.break_even_price(opex_per_epoch, rate)
    summary = {
        "hardware_cost_usd": text(hardware_cost),
        "opex_per_epoch_usd": text(opex_per_epoch),
        "epochs_measured": rate.epochs,
        "tokens_per_node_per_epoch": text(rate.tokens_per_node),
        "revenue_per_node_per_epoch_usd": text(rate.revenue_per_node),
        "current_price_usd": text(rate.price),
        "break_even_price_usd": text(breakeven),
        "payback_epochs_at_current_price": next(r["payback_epochs"] for r in rows if r["scenario"] == "current price"),
    }
    columns = ["scenario", "price_usd", "reward_per_node_per_epoch_usd", "margin_per_epoch_usd", "payback_epochs", "payback_days"]
    return Report("payback", "Payback of one node at the realised reward rate", None, rows, summary, columns,
                  epoch_length=d.epoch_length)


