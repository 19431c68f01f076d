"""The settlement ledger as the reports read it: what each account earned, and what is earned but not yet claimed.

The `allocation` table holds one row per account with work in a finalized epoch, filled by `flywheel ledger
import` from the settlement store's trees (`indexer.ingest.ledger`). A row counts here only where the root it
was checked against is the root that stands for its epoch, so rows left from a revoked root never do. A
database without the table, or without rows, has no ledger: the reports then leave every earned figure
unknown (never 0) and say so once, in `NOT_IMPORTED`.

Time on the ledger is the order of logs on chain, not the clock: a claim, a mint or a burn belongs to the last
epoch finalized before it (`queries.ledger_epoch`), because that epoch's entitlements are the most it could
draw on. A period's liabilities are then taken after its last epoch was finalized and before the next one
was: entitlements through that epoch, less the claims made so far.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Table, case, func, inspect, or_, select
from sqlalchemy.engine import Connection

from indexer.db.schema import allocation
from indexer.reports import queries as q
from indexer.reports.numbers import price_usd, scaled, tokens

NOT_IMPORTED = "not imported: run `flywheel ledger import`"


def present(conn: Connection, table: Table) -> bool:
    """Whether the database has `table` (a database migrated before the ledger has not)."""
    return table.name in set(inspect(conn).get_table_names())


def imported_words(epochs: list[int], finalized: list[int]) -> str:
    """The summary's one phrase on the ledger: which finalized epochs it covers, or that it is not imported."""
    if not epochs:
        return NOT_IMPORTED
    last = finalized[-1] if finalized else epochs[-1]
    behind = f" of {last} finalized" if epochs[-1] < last else ""
    return f"imported through epoch {epochs[-1]}{behind}"


def ledger_rows(conn: Connection, d: q.DeploymentInfo, table: Table, roots: dict[int, str], *columns,
                by_account: bool = False) -> Iterator[tuple]:
    """`table`'s rows (epoch, then `columns`) whose root stands for their epoch, in epoch order (or by account,
    then epoch). Streamed: nothing is held but the row at hand."""
    if not present(conn, table):
        return
    c = table.c
    key = c.account if table is allocation else c.node_id
    order = (key, c.epoch) if by_account else (c.epoch, key)
    stmt = (select(c.epoch, c.root, *columns)
            .where(c.chain_id == d.chain_id, q._is(c.distributor, d.contracts["reward_distributor"]))
            .order_by(*order))
    for row in conn.execute(stmt):
        if roots.get(int(row[0])) == str(row[1]).lower():
            yield (int(row[0]), *row[2:])


@dataclass
class Earned:
    """One account on the ledger: what it earned (each epoch's subsidy valued at that epoch's price), its
    entitlements after its latest epoch, and the epochs it had work in."""

    subsidy: int = 0  # network-token base units
    subsidy_usd: Decimal = Decimal(0)
    revenue: int = 0  # payment-token base units
    cumulative_subsidy: int = 0
    cumulative_revenue: int = 0
    first: int | None = None
    last: int | None = None


@dataclass
class Ledger:
    epochs: list[int]  # standing epochs with allocation rows, in order
    accounts: dict[str, Earned]
    entitled: list[tuple[int, int, int]]  # (epoch, subsidy, revenue): every account's entitlements after it

    def entitled_at(self, epoch: int) -> tuple[int, int]:
        """All accounts' entitlements (subsidy, revenue) after `epoch`: each at its latest row at or before it."""
        i = bisect_right([e for e, _, _ in self.entitled], epoch) - 1
        return (0, 0) if i < 0 else self.entitled[i][1:]


def read(conn: Connection, d: q.DeploymentInfo, finalized: list[tuple[int, int, int, int]],
         roots: dict[int, str]) -> Ledger | None:
    """The ledger of the standing roots, or None where none is imported."""
    prices = {e: price for e, _, _, price in finalized}
    a = allocation.c
    accounts: dict[str, Earned] = {}
    entitled: list[tuple[int, int, int]] = []
    total_subsidy = total_revenue = 0
    for epoch, account, subsidy, revenue, cum_subsidy, cum_revenue in ledger_rows(
            conn, d, allocation, roots, a.account, a.subsidy, a.revenue, a.cumulative_subsidy, a.cumulative_revenue):
        r = accounts.setdefault(account.lower(), Earned())
        subsidy, cum_subsidy, cum_revenue = q.to_int(subsidy), q.to_int(cum_subsidy), q.to_int(cum_revenue)
        r.subsidy += subsidy
        r.subsidy_usd += tokens(subsidy) * price_usd(prices[epoch])
        r.revenue += q.to_int(revenue)
        # Entitlements are cumulative: the total moves by what this account's moved.
        total_subsidy += cum_subsidy - r.cumulative_subsidy
        total_revenue += cum_revenue - r.cumulative_revenue
        r.cumulative_subsidy, r.cumulative_revenue = cum_subsidy, cum_revenue
        r.first = epoch if r.first is None else r.first
        r.last = epoch
        if entitled and entitled[-1][0] == epoch:
            entitled[-1] = (epoch, total_subsidy, total_revenue)
        else:
            entitled.append((epoch, total_subsidy, total_revenue))
    if not accounts:
        return None
    return Ledger([e for e, _, _ in entitled], accounts, entitled)


@dataclass
class Claims:
    """Claims, mints and burns in ledger time: sums per account, and running totals through each epoch."""

    by_account: dict[str, tuple[int, int]] = field(default_factory=dict)  # account -> (subsidy, revenue) claimed
    epochs: list[int] = field(default_factory=list)  # the standing epochs, in order
    claimed: list[tuple[int, int]] = field(default_factory=list)  # per epoch: claimed through it
    supply: list[int] = field(default_factory=list)  # per epoch: network tokens minted less burned through it

    def at(self, epoch: int) -> tuple[int, int, int]:
        """(subsidy claimed, revenue claimed, circulating supply) after `epoch`, before the next finalization."""
        i = bisect_right(self.epochs, epoch) - 1
        return (0, 0, 0) if i < 0 else (*self.claimed[i], self.supply[i])


def _place(epochs: list[int], placed: int | None) -> int:
    """The index of the standing epoch a log placed after `placed` belongs to: the latest one at or before it
    (a revoked epoch's is the one before it), the first for a log before any finalization."""
    if placed is None:
        return 0
    return max(0, bisect_right(epochs, int(placed)) - 1)


def claims(conn: Connection, t: q.Tables, d: q.DeploymentInfo, epochs: list[int]) -> Claims:
    rc, tr = t.reward_claimed, t.transfer
    claim = (select(func.lower(rc.c.account).label("account"), q.ledger_epoch(t, d, rc).label("placed"),
                    rc.c.subsidy, rc.c.revenue)
             .where(q._is(rc.c.contract, d.contracts["reward_distributor"]), rc.c.chain_id == d.chain_id).subquery("claims"))

    def claim_sums(wide: bool):
        stmt = (select(claim.c.account, claim.c.placed, q.exact_sum(claim.c.subsidy, t.dialect, wide),
                       q.exact_sum(claim.c.revenue, t.dialect, wide), q.width(claim.c.subsidy, t.dialect))
                .group_by(claim.c.account, claim.c.placed))
        return stmt, 4

    zero = q.ZERO_ADDRESS
    moves = (select(q.ledger_epoch(t, d, tr).label("placed"),
                    case((q._is(tr.c.sender, zero), tr.c.value)).label("minted"),
                    case((q._is(tr.c.receiver, zero), tr.c.value)).label("burned"))
             .where(q._is(tr.c.contract, d.contracts["network_token"]), tr.c.chain_id == d.chain_id)
             .where(or_(q._is(tr.c.sender, zero), q._is(tr.c.receiver, zero))).subquery("moves"))

    def move_sums(wide: bool):
        stmt = (select(moves.c.placed, q.exact_sum(moves.c.minted, t.dialect, wide), q.exact_sum(moves.c.burned, t.dialect, wide),
                       q.width(moves.c.minted, t.dialect))
                .group_by(moves.c.placed))
        return stmt, 3

    out = Claims(epochs=epochs)
    per_epoch = [[0, 0, 0] for _ in epochs]
    for account, placed, subsidy, revenue, _ in q.run_exact(conn, claim_sums, t.dialect):
        subsidy, revenue = q.to_int(subsidy), q.to_int(revenue)
        s, r = out.by_account.get(account, (0, 0))
        out.by_account[account] = (s + subsidy, r + revenue)
        if epochs:
            i = _place(epochs, placed)
            per_epoch[i][0] += subsidy
            per_epoch[i][1] += revenue
    for placed, minted, burned, _ in q.run_exact(conn, move_sums, t.dialect):
        if epochs:
            per_epoch[_place(epochs, placed)][2] += q.to_int(minted) - q.to_int(burned)
    subsidy = revenue = supply = 0
    for s, r, m in per_epoch:
        subsidy, revenue, supply = subsidy + s, revenue + r, supply + m
        out.claimed.append((subsidy, revenue))
        out.supply.append(supply)
    return out


@dataclass(frozen=True)
class Overhang:
    """Earned but not yet claimed, after one epoch: subsidy still to be minted, revenue the distributor holds."""

    subsidy: int
    revenue: int
    price: int  # the epoch's price, 8 decimals
    supply: int  # network tokens minted less burned so far

    def figures(self, decimals: int) -> dict:
        subsidy = tokens(self.subsidy)
        subsidy_usd = subsidy * price_usd(self.price)
        revenue_usd = scaled(self.revenue, decimals)
        return {
            "unclaimed_subsidy_tokens": subsidy,
            "closing_price_usd": price_usd(self.price),
            "unclaimed_subsidy_usd": subsidy_usd,
            "unclaimed_revenue_usd": revenue_usd,
            "unclaimed_usd": subsidy_usd + revenue_usd,
            "circulating_supply_tokens": tokens(self.supply),
            "overhang_share_of_supply": subsidy / tokens(self.supply) if self.supply > 0 else None,
        }


def overhang_at(ledger: Ledger, claimed: Claims, epoch: int, price: int) -> Overhang:
    entitled_subsidy, entitled_revenue = ledger.entitled_at(epoch)
    claimed_subsidy, claimed_revenue, supply = claimed.at(epoch)
    return Overhang(entitled_subsidy - claimed_subsidy, entitled_revenue - claimed_revenue, price, supply)


@dataclass(frozen=True)
class State:
    """Everything the ledger reports read once: the standing epochs, the ledger (None when not imported), and the
    claims, mints and burns in ledger time."""

    finalized: list[tuple[int, int, int, int]]
    ledger: Ledger | None
    claims: Claims

    @property
    def words(self) -> str:
        return imported_words(self.ledger.epochs if self.ledger else [], [e for e, *_ in self.finalized])

    @property
    def epochs(self) -> list[int]:
        """The standing epochs the ledger covers: up to its last imported one."""
        if self.ledger is None:
            return []
        return [e for e, *_ in self.finalized if e <= self.ledger.epochs[-1]]

    def overhang(self, epoch: int) -> Overhang:
        price = next(p for e, _, _, p in self.finalized if e == epoch)
        return overhang_at(self.ledger, self.claims, epoch, price)

    def current(self) -> Overhang | None:
        """The overhang after the ledger's last epoch (None without a ledger)."""
        return self.overhang(self.epochs[-1]) if self.epochs else None


def state(conn: Connection, t: q.Tables, d: q.DeploymentInfo) -> State:
    finalized = q.finalized(conn, t, d)
    ledger = read(conn, d, finalized, q.standing_roots(conn, t, d))
    covered = [e for e, *_ in finalized if ledger is not None and e <= ledger.epochs[-1]]
    return State(finalized, ledger, claims(conn, t, d, covered) if ledger is not None else Claims())


def current_overhang(conn: Connection, t: q.Tables, d: q.DeploymentInfo, decimals: int) -> dict:
    """Real-yield's summary of the ledger: the overhang's USD and its share of supply, None without a ledger."""
    now = state(conn, t, d).current()
    figures = now.figures(decimals) if now is not None else {}
    return {"overhang_usd": figures.get("unclaimed_subsidy_usd"),
            "overhang_share_of_supply": figures.get("overhang_share_of_supply")}

