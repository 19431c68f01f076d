"""The demand screen: how much of each payment may be self-dealing, by a haircut rule.

Two kinds of payer are screened.

- A *rewarded* account (it claimed rewards or registered a node) is suspect
  for all of its payments, whenever they were made: a contributor paying the
  gateway pays into the pool it is itself paid from, and paying before
  registering the node is no evidence of good faith.
- Any other payer is suspect only up to the USD value it received from
  rewarded accounts and has not spent on payments yet (its *taint*). Network
  tokens a rewarded account sent it count at the price of the transfer's
  epoch, payment tokens (the stablecoin payments are made in) at face value,
  and rewards a rewarded account claimed to it (`RewardRecipient`: the
  distributor pays them out directly, so no transfer from the account shows
  the link) count as received from that account. Each payment, in chain order
  (block, log index), spends taint first: its suspect part is
  `min(amount, taint)`, and the taint falls by that part.

Why this rule. The all-or-nothing rule it replaces let anyone poison an honest
customer: one wei of the network token sent by a contributor made every later
payment of that customer suspect. Spending the taint first is the cautious
reading of fungible money: it assumes the contributor's money paid before the
payer's own, so a wash trader funded with the money it pays stays fully
suspect, while a gift can never discount more than it was worth. A pro-rata
haircut would need each payer's whole balance, which the index does not have
(on a public chain the payment token's transfers may be limited to those
touching known participants).

Choices:

- Taint does not travel further: a payer funded by a tainted outsider is not
  tainted. Laundering through one more address is the limit of this screen.
- A transfer from a rewarded account counts whenever it happened, also before
  the account first claimed or registered: funding a payer first and joining
  later must not escape the screen.
- Network tokens are valued at the price of the epoch the transfer's block time
  falls in, as that epoch's standing `EpochFinalized` posted it: the price the
  report values the same epoch's subsidy at, so taint and subsidy are on one
  scale. An epoch with no standing finalization (not finalized yet, or its root
  revoked) takes the latest finalized price before it, and a transfer before
  the first finalized epoch takes the first finalized price.
- Amounts stay integers in payment-token base units. A token value is floored
  once, `value * price * 10**payment_decimals // 10**(18 + 8)`, so taint is never
  overstated; a payment's suspect share of its fee is `fee * part // amount`.
- The allow list (`allowed_account`, set by `flywheel db allow`) names accounts
  such as exchanges that deal with everyone: they are never suspect payers and
  never sources of taint. An allowed account counts as *cleared* when, screened
  as if it alone were not on the list, some of its payments would be suspect.

Performance: rewarded accounts' payments stay SQL aggregates. The haircut needs
per-account state in chain order, so the database returns only what feeds it
(transfers from rewarded accounts to other accounts, rewards claimed to others,
and the payments of the accounts those reached) ordered by account and then
chain order; Python streams the rows and holds one account's state at a time.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import groupby

from sqlalchemy import BigInteger, case, cast, func, inspect, literal, null, select, union, union_all
from sqlalchemy.engine import Connection

from indexer.db.schema import allowed_account
from indexer.errors import FlywheelError
from indexer.reports import queries as q
from indexer.reports.numbers import PRICE_DECIMALS, TOKEN_DECIMALS, scaled, text, tokens

NETWORK, PAYMENT, CLAIMED, PAID = range(4)  # the kinds of row the haircut reads
EVIDENCE_LINKS = 5  # links listed one by one for an account; the rest are counted
STREAM_ROWS = 10_000  # rows fetched at a time from the database


@dataclass(frozen=True)
class Suspect:
    """A payer with a suspect part: in payment-token base units, with the links that made it suspect."""

    account: str
    paid: int  # the suspect part of its payments
    payments: int  # how many of its payments have a suspect part
    evidence: str | None  # None until looked up


@dataclass(frozen=True)
class Suspects:
    top: list[Suspect]  # the largest by suspect part, largest first
    count: int  # every account with a suspect part
    cleared: int  # allowed accounts that would otherwise have one


@dataclass
class _Tainted:
    """One outside payer's haircut, as its rows stream past."""

    account: str
    allowed: bool
    taint: int = 0
    paid: int = 0
    payments: int = 0
    by_epoch: dict[int, list[int]] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    more_links: int = 0
    received: int = 0


class _Screen:
    """The screen's queries over one deployment, and what it reads once: the prices and the allow list."""

    def __init__(self, conn: Connection, t: q.Tables, d: q.DeploymentInfo) -> None:
        self.conn, self.t, self.d = conn, t, d
        rc, nr = t.reward_claimed, t.node_registered
        self.rewarded = union(
            select(rc.c.account.label("account")).where(q._is(rc.c.contract, d.contracts["reward_distributor"]), rc.c.chain_id == d.chain_id),
            select(nr.c.owner.label("account")).where(q._is(nr.c.contract, d.contracts["node_registry"]), nr.c.chain_id == d.chain_id),
        ).subquery("rewarded")
        if not inspect(conn).has_table(allowed_account.name):
            raise FlywheelError("the database predates the allow list: run `flywheel db upgrade`")
        self.allowed = select(allowed_account.c.account)
        finalized = q.finalized(conn, t, d)
        self.epochs = [e for e, _, _, _ in finalized]
        self.prices = [p for _, _, _, p in finalized]

    def sources(self):
        """Rewarded accounts that are not allowed: the only sources of taint, and the fully suspect payers."""
        return select(self.rewarded.c.account).where(self.rewarded.c.account.not_in(self.allowed))

    def on_chain(self, col):
        """`col` is the deployment's chain: true of nearly every row. Said so to SQLite, which has no statistics and
        would otherwise read a whole table through the (chain_id, block) index instead of the account index."""
        term = col == self.d.chain_id
        return func.likely(term) if self.t.dialect == "sqlite" else term

    def rewarded_paid(self) -> Iterator[tuple[str, int, int, int, int]]:
        """(account, epoch, gross, fees, payments) of every rewarded payer not allowed, by account."""
        p, dialect = self.t.payment_received, self.t.dialect
        epoch = cast(p.c.epoch, BigInteger)

        def build(wide: bool):
            stmt = (select(p.c.customer, epoch, q.exact_sum(p.c.amount, dialect, wide), q.exact_sum(p.c.fee, dialect, wide), func.count(),
                           q.width(p.c.amount, dialect))
                    .where(q._is(p.c.contract, self.d.contracts["payment_gateway"]), self.on_chain(p.c.chain_id))
                    .where(p.c.customer.in_(self.sources()))
                    .group_by(p.c.customer, epoch).order_by(p.c.customer))
            return stmt, 5

        for account, e, gross, fees, count, _ in q.run_exact(self.conn, build, dialect):
            yield account, int(e), q.to_int(gross), q.to_int(fees), int(count)

    def rewarded_cleared(self) -> int:
        """Rewarded accounts on the allow list that paid."""
        p = self.t.payment_received
        stmt = (select(func.count(func.distinct(p.c.customer)))
                .where(q._is(p.c.contract, self.d.contracts["payment_gateway"]), self.on_chain(p.c.chain_id))
                .where(p.c.customer.in_(select(self.rewarded.c.account)), p.c.customer.in_(self.allowed)))
        return int(self.conn.execute(stmt).scalar() or 0)

    def reasons(self, accounts: list[str]) -> dict[str, list[str]]:
        """Why each of `accounts` counts as rewarded, with the block it first did."""
        if not accounts:
            return {}
        rc, nr, d = self.t.reward_claimed, self.t.node_registered, self.d
        why = union_all(
            select(rc.c.account, literal("claimed rewards"), func.min(rc.c.block_number))
            .where(q._is(rc.c.contract, d.contracts["reward_distributor"]), self.on_chain(rc.c.chain_id), rc.c.account.in_(accounts))
            .group_by(rc.c.account),
            select(nr.c.owner, literal("registered a node"), func.min(nr.c.block_number))
            .where(q._is(nr.c.contract, d.contracts["node_registry"]), self.on_chain(nr.c.chain_id), nr.c.owner.in_(accounts))
            .group_by(nr.c.owner),
        )
        out: dict[str, list[str]] = {}
        for account, reason, since in self.conn.execute(why):
            out.setdefault(account, []).append(f"{reason} (first at block {since})")
        return out

    def rows(self):
        """Every row the haircut reads, ordered by account and then chain order."""
        t, d = self.t, self.d
        tr, rr, p = t.transfer, t.reward_recipient, t.payment_received
        others = select(self.rewarded.c.account)
        claimed_to = (
            select(rr.c.recipient.label("account"), rr.c.block_number, rr.c.log_index, literal(CLAIMED).label("kind"),
                   rr.c.account.label("source"), rr.c.subsidy.label("a"), rr.c.revenue.label("b"), rr.c.block_time.label("at"))
            .where(q._is(rr.c.contract, d.contracts["reward_distributor"]), self.on_chain(rr.c.chain_id))
            .where(rr.c.account.in_(self.sources()), rr.c.recipient.not_in(others))
        )
        funded = (
            select(tr.c.receiver, tr.c.block_number, tr.c.log_index, case((q._is(tr.c.contract, d.contracts["network_token"]), NETWORK), else_=PAYMENT),
                   tr.c.sender, tr.c.value, null(), tr.c.block_time)
            .where(self.on_chain(tr.c.chain_id), q._is(tr.c.contract, d.contracts["network_token"]) | q._is(tr.c.contract, d.contracts["payment_token"]))
            .where(tr.c.sender.in_(self.sources()), tr.c.receiver.not_in(others), tr.c.receiver.not_in(self.never_pay()))
        )
        links = union_all(claimed_to, funded).cte("taint_links")
        paid = (
            select(p.c.customer, p.c.block_number, p.c.log_index, literal(PAID), null(), p.c.amount, p.c.fee, cast(p.c.epoch, BigInteger))
            .where(q._is(p.c.contract, d.contracts["payment_gateway"]), self.on_chain(p.c.chain_id))
            .where(p.c.customer.in_(select(links.c.account)))
        )
        every = union_all(select(links), paid).subquery("haircut")
        stmt = select(every).order_by(every.c.account, every.c.block_number, every.c.log_index)
        return self.conn.execute(stmt.execution_options(yield_per=STREAM_ROWS))

    def never_pay(self) -> list[str]:
        """The zero address and the deployment's contracts, in both letter cases: a contributor's payment moves its
        stablecoins to the gateway, and a burn sends tokens to zero, but neither receiver ever pays."""
        from eth_utils import to_checksum_address

        addresses = [q.ZERO_ADDRESS, *self.d.contracts.values()]
        return sorted({a.lower() for a in addresses} | {to_checksum_address(a) for a in addresses})

    def price_at(self, time: int) -> int:
        epoch = (time - self.d.genesis) // self.d.epoch_length
        i = bisect_right(self.epochs, epoch) - 1
        return self.prices[max(i, 0)]

    def usd_of_tokens(self, value: int, time: int) -> int:
        if not self.prices:
            return 0
        return value * self.price_at(time) * 10**self.d.payment_decimals // 10**(TOKEN_DECIMALS + PRICE_DECIMALS)

    def tainted(self, evidence: bool) -> Iterator[_Tainted]:
        """Each outside payer's haircut, one account at a time (`evidence`: also word its links)."""
        allowed = {a.lower() for (a,) in self.conn.execute(self.allowed)}
        for account, rows in groupby(self.rows(), key=lambda r: r[0]):
            s = _Tainted(account, account.lower() in allowed)
            for _, block, _, kind, source, a, b, at in rows:
                a, b, at = q.to_int(a), q.to_int(b), int(at)
                if kind == PAID:
                    part = min(a, s.taint)
                    if part:
                        s.taint -= part
                        s.paid += part
                        s.payments += 1
                        sums = s.by_epoch.setdefault(at, [0, 0])
                        sums[0] += part
                        sums[1] += b * part // a
                    continue
                if kind == PAYMENT:
                    value = a
                else:
                    value = self.usd_of_tokens(a, at) + (b if kind == CLAIMED else 0)
                s.taint += value
                s.received += value
                if not evidence:
                    continue
                if len(s.links) == EVIDENCE_LINKS:
                    s.more_links += 1
                else:
                    s.links.append(self.link(kind, source, a, b, value, block))
            yield s

    def usd(self, units: int) -> str:
        """Base units as dollars, to the cent at least and exact beyond, with thousands separators as tables show them."""
        amount = Decimal(text(scaled(units, self.d.payment_decimals)))
        if amount.as_tuple().exponent > -2:
            amount = amount.quantize(Decimal("0.01"))
        return "$" + format(amount, ",f")

    def link(self, kind: int, source: str, a: int, b: int, value: int, block: int) -> str:
        if kind == NETWORK:
            return f"received {text(tokens(a))} network tokens ({self.usd(value)}) from {source} at block {block}"
        if kind == PAYMENT:
            return f"received {self.usd(a)} in payment tokens from {source} at block {block}"
        return (f"received rewards claimed by {source}: {text(tokens(a))} network tokens and {self.usd(b)} in payment tokens "
                f"({self.usd(value)}) at block {block}")

    def evidence(self, s: _Tainted) -> str:
        words = list(s.links)
        if s.more_links:
            words.append(f"and {s.more_links} more links ({self.usd(s.received)} received in all)")
        return "; ".join(words)


def suspect_by_epoch(conn: Connection, t: q.Tables, d: q.DeploymentInfo) -> dict[int, tuple[int, int]]:
    """epoch -> (suspect gross, suspect fees) of payments, in payment-token base units, by the payment's epoch."""
    screen = _Screen(conn, t, d)
    out: dict[int, tuple[int, int]] = {}

    def add(epoch: int, gross: int, fees: int) -> None:
        was_gross, was_fees = out.get(epoch, (0, 0))
        out[epoch] = (was_gross + gross, was_fees + fees)

    for _, epoch, gross, fees, _ in screen.rewarded_paid():
        add(epoch, gross, fees)
    for s in screen.tainted(evidence=False):
        if not s.allowed:
            for epoch, (gross, fees) in s.by_epoch.items():
                add(epoch, gross, fees)
    return out


def suspect_accounts(conn: Connection, t: q.Tables, d: q.DeploymentInfo, top: int | None = None) -> Suspects:
    """The `top` payers with the largest suspect part (all, for None), how many there are, and how many the allow list cleared."""
    screen = _Screen(conn, t, d)
    counted = {"suspects": 0, "cleared": screen.rewarded_cleared()}

    def every() -> Iterator[Suspect]:
        for account, rows in groupby(screen.rewarded_paid(), key=lambda r: r[0]):
            counted["suspects"] += 1
            paid, payments = 0, 0
            for _, _, gross, _, count in rows:
                paid += gross
                payments += count
            yield Suspect(account, paid, payments, None)  # its reasons are looked up for the top ones only
        for s in screen.tainted(evidence=True):
            if s.allowed:
                counted["cleared"] += s.paid > 0
            elif s.paid:
                counted["suspects"] += 1
                yield Suspect(s.account, s.paid, s.payments, screen.evidence(s))

    def rank(s: Suspect) -> tuple[int, str]:
        return -s.paid, s.account

    chosen = sorted(every(), key=rank) if top is None else heapq.nsmallest(top, every(), key=rank)
    reasons = screen.reasons(sorted(s.account for s in chosen if s.evidence is None))
    chosen = [s if s.evidence is not None else replace(s, evidence="; ".join(reasons[s.account])) for s in chosen]
    return Suspects(chosen, counted["suspects"], counted["cleared"])
