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
from indexer.reports import concentration, ledger as ledgers, payback as paybacks, queries as q, screen
from indexer.reports.numbers import exact_decimals, price_usd, scaled, tokens
from indexer.reports.realyield import INTERVALS, EpochFacts, build_rows, summarize
from indexer.reports.model import Report

REAL_YIELD_COLUMNS = [
    "epoch_start", "epoch_end", "start_time", "subsidy_tokens", "price_usd", "subsidy_usd", "revenue_usd",
    "real_yield_share", "coverage_ratio", "gross_payments_usd", "protocol_fees_usd", "payments", "active_nodes",
    "revenue_per_node_usd", "net_new_supply_tokens", "suspect_revenue_usd", "real_yield_share_excl_suspect",
    "cumulative_subsidy_usd", "cumulative_revenue_usd", "cumulative_share",
]
# The terminal's columns, most important first: a narrow terminal shows a prefix of this list.
REAL_YIELD_TABLE = [
    "real_yield_share", "revenue_usd", "subsidy_usd", "price_usd", "cumulative_share", "coverage_ratio",
    "active_nodes", "gross_payments_usd", "real_yield_share_excl_suspect",
]

CONTRIBUTORS_TABLE = [
    "account", "earned_usd", "claimed_usd", "unclaimed_usd", "claimed_subsidy_usd", "claimed_revenue_usd", "nodes_active",
    "claimed_subsidy_tokens", "nodes_registered", "first_epoch_earned", "last_epoch_earned", "first_epoch_claimed",
    "last_epoch_claimed",
]
CONTRIBUTORS_COLUMNS = [
    "account", "nodes_registered", "nodes_active", "claimed_subsidy_tokens", "claimed_subsidy_usd", "claimed_revenue_usd",
    "claimed_usd", "first_epoch_claimed", "last_epoch_claimed", "earned_subsidy_tokens", "earned_subsidy_usd",
    "earned_revenue_usd", "earned_usd", "unclaimed_subsidy_tokens", "unclaimed_revenue_usd", "unclaimed_usd",
    "first_epoch_earned", "last_epoch_earned",
]
EARNED = ("earned_subsidy_tokens", "earned_subsidy_usd", "earned_revenue_usd", "earned_usd", "unclaimed_subsidy_tokens",
          "unclaimed_revenue_usd", "unclaimed_usd", "first_epoch_earned", "last_epoch_earned")
PAYBACK_TABLE = [
    "scenario", "payback_epochs", "payback_days", "price_usd", "margin_per_epoch_usd", "reward_per_node_per_epoch_usd", "prices_by_epoch",
]


def period_columns(interval: str, columns: list[str]) -> list[str]:
    """`columns` with what names a period first: the epoch, or a calendar period's label and its epochs."""
    if interval == "epoch":
        return columns
    return ["epoch_start", "epoch_end", "start_time", "period", *columns[3:]]


def period_table(interval: str, columns: list[str]) -> list[str]:
    """The table's columns for `interval`: a calendar period is named by its label, its epochs shown if room is left."""
    return ["epoch_start", *columns] if interval == "epoch" else ["period", *columns, "epoch_start", "epoch_end"]


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
    suspect = screen.suspect_by_epoch(conn, t, d)
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
        s_gross, s_fees = suspect.get(epoch, (0, 0))
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
    summary = {**summarize(facts, rows, interval, d.payment_decimals),
               **ledgers.current_overhang(conn, q.tables(conn), d, d.payment_decimals)}
    return Report("real-yield", f"Subsidy versus revenue per {interval}", interval, rows, summary,
                  period_columns(interval, REAL_YIELD_COLUMNS),
                  table_columns=period_table(interval, REAL_YIELD_TABLE), epoch_length=d.epoch_length)


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
    standing = q.finalized(conn, t, d)
    finalized = [(e, p) for e, _, _, p in standing]
    if not finalized:
        raise FlywheelError("no finalized epochs in the database yet: index a deployment that has closed an epoch")
    epochs = [e for e, _ in finalized]
    nodes = _nodes_by_owner(conn, t, d)
    ledger = ledgers.read(conn, d, standing, q.standing_roots(conn, t, d))
    per: dict[str, dict] = {}
    for acct, e, subsidy, revenue, _ in claims:
        e = int(e)
        # A claim is valued at the price of the last epoch finalized before it (the first one, for none).
        price = finalized[max(0, bisect_left(epochs, e) - 1)][1]
        row = per.setdefault(acct, _claims(e))
        row["units"] += q.to_int(subsidy)
        row["revenue_units"] += q.to_int(revenue)
        sub = tokens(q.to_int(subsidy))
        row["subsidy"] += sub
        row["subsidy_usd"] += sub * price_usd(price)
        row["revenue_usd"] += scaled(q.to_int(revenue), d.payment_decimals)
        row["first"] = e if row["first"] is None else min(row["first"], e)
        row["last"] = e if row["last"] is None else max(row["last"], e)
    for owner in [*nodes, *(ledger.accounts if ledger else ())]:
        per.setdefault(owner, _claims(None))
    rows = []
    for acct, r in per.items():
        registered, retired = nodes.get(acct, (0, 0))
        total = r["subsidy_usd"] + r["revenue_usd"]
        rows.append({
            "account": acct, "nodes_registered": registered, "nodes_active": registered - retired,
            "claimed_subsidy_tokens": r["subsidy"], "claimed_subsidy_usd": r["subsidy_usd"],
            "claimed_revenue_usd": r["revenue_usd"], "claimed_usd": total,
            "first_epoch_claimed": r["first"], "last_epoch_claimed": r["last"],
            **_earned(ledger, acct, r, finalized[-1][1], d.payment_decimals),
        })
    # The largest first: by what was earned where the ledger says, else by what was claimed.
    rank = "earned_usd" if ledger else "claimed_usd"
    rows.sort(key=lambda r: (-r[rank], r["account"]))
    claimed = [r["claimed_usd"] for r in rows]
    earned = [r["earned_usd"] for r in rows] if ledger else []
    summary = {
        "accounts": len(rows),
        "claimed_usd": sum(claimed, Decimal(0)),
        "top_10_percent_share": concentration.top_share(claimed),
        "gini": concentration.gini(claimed),
        "ledger": ledgers.imported_words(ledger.epochs if ledger else [], epochs),
        "earned_usd": sum(earned, Decimal(0)) if ledger else None,
        "unclaimed_usd": sum((r["unclaimed_usd"] for r in rows), Decimal(0)) if ledger else None,
        "top_10_percent_share_earned": concentration.top_share(earned),
        "gini_earned": concentration.gini(earned),
    }
    title = ("Contributors: earned (at each epoch's price), claimed (at the claim's price)" if ledger
             else "Contributors: rewards claimed, valued at the price when claimed")
    return Report("contributors", title, None, rows[:top] if top else rows, summary, CONTRIBUTORS_COLUMNS,
                  epoch_length=d.epoch_length, table_columns=CONTRIBUTORS_TABLE)


def _earned(ledger: ledgers.Ledger | None, account: str, claimed: dict, price: int, decimals: int) -> dict:
    """An account's ledger columns: earned at each epoch's price; unclaimed, its latest entitlements less its claims,
    with subsidy at the last finalized price. Unknown (None) without a ledger."""
    if ledger is None:
        return dict.fromkeys(EARNED)
    e = ledger.accounts.get(account, ledgers.Earned())
    revenue = scaled(e.revenue, decimals)
    unclaimed_tokens = tokens(e.cumulative_subsidy - claimed["units"])
    unclaimed_revenue = scaled(e.cumulative_revenue - claimed["revenue_units"], decimals)
    return {
        "earned_subsidy_tokens": tokens(e.subsidy), "earned_subsidy_usd": e.subsidy_usd, "earned_revenue_usd": revenue,
        "earned_usd": e.subsidy_usd + revenue, "unclaimed_subsidy_tokens": unclaimed_tokens,
        "unclaimed_revenue_usd": unclaimed_revenue, "unclaimed_usd": unclaimed_tokens * price_usd(price) + unclaimed_revenue,
        "first_epoch_earned": e.first, "last_epoch_earned": e.last,
    }


def _claims(epoch: int | None) -> dict:
    """An account's claims so far: tokens, their USD at the price when claimed, revenue, and the epochs of claims."""
    return {"subsidy": Decimal(0), "subsidy_usd": Decimal(0), "revenue_usd": Decimal(0), "first": epoch, "last": epoch,
            "units": 0, "revenue_units": 0}


def _nodes_by_owner(conn: Connection, t: q.Tables, d: q.DeploymentInfo) -> dict[str, tuple[int, int]]:
    reg, ret = t.node_registered, t.node_retired
    registry = d.contracts["node_registry"]
    owners: dict[str, list[int]] = {}
    for owner, count in conn.execute(
        select(func.lower(reg.c.owner), func.count())
        .where(q._is(reg.c.contract, registry), reg.c.chain_id == d.chain_id).group_by(func.lower(reg.c.owner))
    ):
        owners[owner] = [int(count), 0]
    for owner, count in conn.execute(
        select(func.lower(ret.c.owner), func.count()).where(q._is(ret.c.contract, registry), ret.c.chain_id == d.chain_id)
        .group_by(func.lower(ret.c.owner))
    ):
        owners.setdefault(owner, [0, 0])[1] = int(count)
    return {k: tuple(v) for k, v in owners.items()}


PRICE_PATH_HEADER = ("epoch", "price_usd")


def read_price_path(path: Path) -> list[paybacks.PricePoint]:
    """A price path: CSV `epoch,price_usd`, future epochs in increasing order, positive USD prices."""
    lines = userfiles.text(path, "price path file").splitlines()
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows or tuple(f.strip().lower() for f in rows[0][1].split(",")) != PRICE_PATH_HEADER:
        raise FlywheelError(f"{path}: the first line must be the header `epoch,price_usd`")
    points: list[paybacks.PricePoint] = []
    for number, line in rows[1:]:
        fields = [f.strip() for f in line.split(",")]
        where = f"{path} line {number}"
        if len(fields) != 2 or not fields[0].isdigit():
            raise FlywheelError(f"{where}: expected `epoch,price_usd` with a whole epoch number, not {line.strip()!r}")
        epoch = int(fields[0])
        try:
            price = Decimal(fields[1])
        except ArithmeticError:
            price = None
        if price is None or not price.is_finite() or price <= 0:
            raise FlywheelError(f"{where}: {fields[1]!r} is not a positive price")
        if points and epoch == points[-1].epoch:
            raise FlywheelError(f"{where}: epoch {epoch} is given twice")
        if points and epoch < points[-1].epoch:
            raise FlywheelError(f"{where}: epoch {epoch} comes after epoch {points[-1].epoch}: list epochs in increasing order")
        points.append(paybacks.PricePoint(epoch, price, number))
    if not points:
        raise FlywheelError(f"{path} has no prices")
    return points


@exact_decimals
def payback(conn: Connection, d: q.DeploymentInfo, hardware_cost: Decimal, opex_per_epoch: Decimal,
            price_path: list[paybacks.PricePoint] | None,
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
    current = next(r for r in rows if r["scenario"] == "current price")
    summary = {
        "hardware_cost_usd": hardware_cost,
        "opex_per_epoch_usd": opex_per_epoch,
        "epochs_measured": rate.epochs,
        "tokens_per_node_per_epoch": rate.tokens_per_node,
        "revenue_per_node_per_epoch_usd": rate.revenue_per_node,
        "current_price_usd": rate.price,
        "break_even_price_usd": breakeven,
        "payback_epochs_at_current_price": current["payback_epochs"],
        "payback_days_at_current_price": current["payback_days"],
    }
    columns = ["scenario", "price_usd", "reward_per_node_per_epoch_usd", "margin_per_epoch_usd", "payback_epochs", "payback_days",
               "prices_by_epoch"]
    return Report("payback", "Payback of one node at the realised reward rate", None, rows, summary, columns,
                  epoch_length=d.epoch_length, table_columns=PAYBACK_TABLE)


