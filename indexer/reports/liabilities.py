"""The liabilities report: rewards earned but not yet claimed, per period, and what they weigh against the supply.

Unclaimed subsidy is network tokens still to be minted (the overhang: supply that will reach the market when
it is claimed); unclaimed revenue is payment tokens the distributor holds for the accounts. Each period is
taken after its last epoch was finalized and before the next one was (`indexer.reports.ledger`), its unclaimed
subsidy valued at that epoch's price, and the overhang set against the circulating supply of the same moment.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from indexer.chain.epochs import Epochs
from indexer.errors import FlywheelError
from indexer.reports import ledger as ledgers, queries as q
from indexer.reports.build import check_interval, period_columns, period_table
from indexer.reports.model import Report
from indexer.reports.numbers import exact_decimals, price_usd, scaled, tokens
from indexer.reports.realyield import Dated, group, period_head

LIABILITIES_COLUMNS = [
    "epoch_start", "epoch_end", "start_time", "unclaimed_subsidy_tokens", "closing_price_usd", "unclaimed_subsidy_usd",
    "unclaimed_revenue_usd", "unclaimed_usd", "circulating_supply_tokens", "overhang_share_of_supply",
]
# The terminal's columns, most important first.
LIABILITIES_TABLE = ["unclaimed_usd", "overhang_share_of_supply", "unclaimed_subsidy_usd", "unclaimed_revenue_usd",
                     "unclaimed_subsidy_tokens", "circulating_supply_tokens", "closing_price_usd"]
LARGEST = 5
LARGEST_SECTION = "largest_unclaimed"


def largest_unclaimed(state: ledgers.State, decimals: int, top: int = LARGEST) -> list[dict]:
    """The accounts with the most USD earned and not yet claimed (subsidy at the ledger's last epoch's price)."""
    if state.ledger is None:
        return []
    price = price_usd(next(p for e, _, _, p in state.finalized if e == state.epochs[-1]))
    owed = []
    for account, earned in state.ledger.accounts.items():
        claimed_subsidy, claimed_revenue = state.claims.by_account.get(account, (0, 0))
        usd = tokens(earned.cumulative_subsidy - claimed_subsidy) * price + scaled(earned.cumulative_revenue - claimed_revenue, decimals)
        if usd > 0:
            owed.append((usd, account))
    owed.sort(key=lambda x: (-x[0], x[1]))
    return [{"account": account, "unclaimed_usd": usd} for usd, account in owed[:top]]


@exact_decimals
def liabilities(conn: Connection, d: q.DeploymentInfo, interval: str) -> Report:
    check_interval(interval)
    t = q.tables(conn)
    state = ledgers.state(conn, t, d)
    if not state.finalized:
        raise FlywheelError("no finalized epochs in the database yet: index a deployment that has closed an epoch")
    if state.ledger is None:
        raise FlywheelError(f"the settlement ledger is {ledgers.NOT_IMPORTED}: liabilities are what it says was earned")
    epochs = Epochs(d.genesis, d.epoch_length)
    rows = []
    for start, items in group([Dated(e, epochs.start(e)) for e in state.epochs], interval):
        first, last = items[0].epoch, items[-1].epoch
        rows.append({**period_head(start, first, last, interval), **state.overhang(last).figures(d.payment_decimals)})
    now = rows[-1]
    summary = {
        "ledger": state.words,
        "last_epoch": state.epochs[-1],
        "overhang_tokens": now["unclaimed_subsidy_tokens"],
        "overhang_usd": now["unclaimed_subsidy_usd"],
        "overhang_share_of_supply": now["overhang_share_of_supply"],
        "unclaimed_revenue_usd": now["unclaimed_revenue_usd"],
        "unclaimed_usd": now["unclaimed_usd"],
    }
    return Report("liabilities", f"Rewards earned but not yet claimed, per {interval}", interval, rows, summary,
                  period_columns(interval, LIABILITIES_COLUMNS), table_columns=period_table(interval, LIABILITIES_TABLE),
                  extra={LARGEST_SECTION: largest_unclaimed(state, d.payment_decimals)}, epoch_length=d.epoch_length)
