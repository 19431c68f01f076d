"""The demand report: how much of the revenue comes from payers linked to rewarded accounts.

The per-epoch figures come from `build.epoch_facts`, like the real-yield report's,
so the two reports agree on every epoch; this module adds the suspect accounts and
the share with suspect revenue removed.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from indexer.reports import queries as q
from indexer.reports.build import check_interval, epoch_facts
from indexer.reports.model import Report
from indexer.reports.numbers import exact_decimals, scaled, text
from indexer.reports.realyield import build_rows, summarize

DEMAND_COLUMNS = [
    "epoch_start", "epoch_end", "start_time", "gross_payments_usd", "suspect_revenue_usd", "revenue_usd",
    "real_yield_share", "real_yield_share_excl_suspect",
]


@exact_decimals
def demand(conn: Connection, d: q.DeploymentInfo, interval: str, top: int = 20) -> Report:
    check_interval(interval)
    facts = epoch_facts(conn, d)
    rows = build_rows(facts, interval, d.payment_decimals)
    summary = summarize(facts, rows, interval, d.payment_decimals)
    total_gross = sum(f.gross_payments for f in facts)
    total_suspect = sum(f.suspect_gross for f in facts)
    accounts = suspect_accounts(conn, d, top)
    summary = {
        "suspect_payments_usd": text(scaled(total_suspect, d.payment_decimals)),
        "all_payments_usd": text(scaled(total_gross, d.payment_decimals)),
        "suspect_share_of_payments": float(Decimal(total_suspect) / total_gross) if total_gross else None,
        "suspect_accounts": len(accounts),
        "latest_share": summary["latest_share"],
        "latest_share_excl_suspect": rows[-1]["real_yield_share_excl_suspect"] if rows else None,
        "crossover_epoch": summary["crossover_epoch"],
        "crossover_epoch_excl_suspect": next((r["epoch_start"] for r in build_rows(facts, "epoch", d.payment_decimals)
                                              if (r["real_yield_share_excl_suspect"] or 0) >= 0.5), None),
    }
    return Report("demand", f"Demand quality per {interval}: revenue with and without suspect payments", interval, rows,
                  summary, DEMAND_COLUMNS, extra={"suspect_accounts": accounts[:top]}, epoch_length=d.epoch_length)


def suspect_accounts(conn: Connection, d: q.DeploymentInfo, top: int) -> list[dict]:
    """Suspect payers by suspect USD paid, each with the links that made it suspect."""
    t = q.tables(conn)
    links = q.suspect_links(conn, t, d)
    evidence: dict[str, list[str]] = {}
    for account, reason, since, linked in links:
        note = reason if linked == account else f"{reason} {linked} (block {since})"
        evidence.setdefault(account, []).append(note)
    suspects = q.suspect_table(conn, links)
    p = t.payment_received

    def build(wide: bool):
        stmt = (select(p.c.customer, q.exact_sum(p.c.amount, t.dialect, wide), func.count(), q.width(p.c.amount, t.dialect))
                .join_from(p, suspects, p.c.customer == suspects.c.account)
                .where(p.c.block_number >= suspects.c.since, q._is(p.c.contract, d.contracts["payment_gateway"]))
                .group_by(p.c.customer))
        return stmt, 3

    paid = sorted(((q.to_int(r[1]), r[0], int(r[2])) for r in q.run_exact(conn, build, t.dialect)), reverse=True)
    return [{"account": account, "suspect_paid_usd": text(scaled(amount, d.payment_decimals)), "payments": count,
             "evidence": "; ".join(sorted(set(evidence.get(account, []))))} for amount, account, count in paid]
