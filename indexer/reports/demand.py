"""The demand report: how much of the revenue comes from payers linked to rewarded accounts.

The per-epoch figures come from `build.epoch_facts`, like the real-yield report's,
so the two reports agree on every epoch; this module adds the suspect accounts and
the share with suspect revenue removed. What counts as suspect, and how much of a
payment, is the haircut rule of `indexer.reports.screen`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Connection

from indexer.reports import queries as q, screen
from indexer.reports.build import check_interval, epoch_facts, period_columns, period_table
from indexer.reports.model import Report
from indexer.reports.numbers import exact_decimals, scaled, text
from indexer.reports.realyield import HALF, build_rows, summarize

DEMAND_COLUMNS = [
    "epoch_start", "epoch_end", "start_time", "gross_payments_usd", "suspect_revenue_usd", "payments", "revenue_usd",
    "real_yield_share", "real_yield_share_excl_suspect",
]
# The terminal's columns, most important first.
DEMAND_TABLE = ["suspect_revenue_usd", "real_yield_share", "real_yield_share_excl_suspect", "gross_payments_usd", "revenue_usd", "payments"]


@exact_decimals
def demand(conn: Connection, d: q.DeploymentInfo, interval: str, top: int = 20) -> Report:
    check_interval(interval)
    facts = epoch_facts(conn, d)
    rows = build_rows(facts, interval, d.payment_decimals)
    per_epoch = rows if interval == "epoch" else build_rows(facts, "epoch", d.payment_decimals)
    summary = summarize(facts, rows, interval, d.payment_decimals)
    total_gross = sum(f.gross_payments for f in facts)
    total_suspect = sum(f.suspect_gross for f in facts)
    suspects = screen.suspect_accounts(conn, q.tables(conn), d, top)
    accounts = [{"account": s.account, "suspect_paid_usd": text(scaled(s.paid, d.payment_decimals)), "payments": s.payments,
                 "evidence": s.evidence} for s in suspects.top]
    summary = {
        "suspect_payments_usd": text(scaled(total_suspect, d.payment_decimals)),
        "all_payments_usd": text(scaled(total_gross, d.payment_decimals)),
        "suspect_share_of_payments": Decimal(total_suspect) / total_gross if total_gross else None,
        "suspect_accounts": suspects.count,
        "allowed_accounts_cleared": suspects.cleared,
        "latest_share": summary["latest_share"],
        "latest_share_excl_suspect": rows[-1]["real_yield_share_excl_suspect"] if rows else None,
        "crossover_epoch": summary["crossover_epoch"],
        "crossover_epoch_excl_suspect": next((r["epoch_start"] for r in per_epoch
                                              if (r["real_yield_share_excl_suspect"] or 0) >= HALF), None),
    }
    return Report("demand", f"Demand quality per {interval}: revenue with and without suspect payments", interval, rows,
                  summary, period_columns(interval, DEMAND_COLUMNS), extra={"suspect_accounts": accounts},
                  table_columns=period_table(interval, DEMAND_TABLE), epoch_length=d.epoch_length)
