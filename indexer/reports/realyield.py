"""The real-yield report: subsidy versus revenue per epoch or per calendar interval.

Inputs are per-epoch aggregates computed in the database (`EpochFacts`); this
module only combines those few rows: USD conversion at each epoch's own
price, interval sums (value-weighted: USD summed first, then divided), running
totals, and the summary's crossover, trend and projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from indexer.reports.numbers import price_usd, ratio, scaled, share, tokens

INTERVALS = ("epoch", "day", "week", "month")
TREND_PERIODS = 8
HALF = Decimal("0.5")  # the share at which revenue pays as much as subsidy: the crossover


@dataclass(frozen=True)
class EpochFacts:
    epoch: int
    start_time: int  # Unix time the epoch began
    subsidy: int  # network-token units allocated (EpochFinalized)
    revenue: int  # payment-token units allocated (EpochFinalized)
    price: int  # USD per token, 8 decimals (EpochFinalized)
    gross_payments: int  # sum of PaymentReceived.amount stamped with this epoch
    protocol_fees: int  # sum of PaymentReceived.fee
    payments: int  # number of payments
    suspect_gross: int  # gross payments by suspect payers
    suspect_net: int  # their net (amount - fee)
    active_nodes: int
    minted: int  # network tokens minted during the epoch
    burned: int  # network tokens burned during the epoch


@dataclass(frozen=True)
class Dated:
    """An epoch as `group` reads one, for reports that need no more of it: its number and when it began."""

    epoch: int
    start_time: int


def bucket_start(t: int, interval: str) -> datetime:
    day = datetime.fromtimestamp(t, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown interval {interval!r}")


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def period_label(dt: datetime, interval: str) -> str:
    """How a person names the period: an ISO day, an ISO week (`2026-W49`), a month (`2026-12`)."""
    if interval == "week":
        year, week, _ = dt.isocalendar()
        return f"{year}-W{week:02d}"
    if interval == "month":
        return dt.strftime("%Y-%m")
    return dt.strftime("%Y-%m-%d")


def group(facts: list, interval: str) -> list[tuple[datetime, list]]:
    """Epochs in periods: each period's start and its items, in order. An item is anything with an `epoch` and
    the `start_time` that epoch began (its `EpochFacts`, or another report's per-epoch record)."""
    if interval == "epoch":
        return [(datetime.fromtimestamp(f.start_time, timezone.utc), [f]) for f in facts]
    groups: dict[datetime, list[EpochFacts]] = {}
    for f in facts:
        groups.setdefault(bucket_start(f.start_time, interval), []).append(f)
    return sorted(groups.items())


def period_head(start: datetime, first: int, last: int, interval: str) -> dict:
    """What names a row's period: its first and last epoch, when it starts, and (calendar periods) its name."""
    row = {"epoch_start": first, "epoch_end": last, "start_time": iso(start)}
    if interval != "epoch":
        row["period"] = period_label(start, interval)
    return row


@dataclass
class _Sums:
    subsidy_tokens: Decimal = Decimal(0)
    subsidy_usd: Decimal = Decimal(0)
    revenue_usd: Decimal = Decimal(0)
    revenue_excl_usd: Decimal = Decimal(0)

    def add(self, f: EpochFacts, decimals: int) -> None:
        t = tokens(f.subsidy)
        revenue = scaled(f.revenue, decimals)
        self.subsidy_tokens += t
        self.subsidy_usd += t * price_usd(f.price)
        self.revenue_usd += revenue
        net = f.gross_payments - f.protocol_fees
        # Suspect payments are removed from revenue pro rata to the epoch's net payments.
        clean = Decimal(1) - Decimal(f.suspect_net) / Decimal(net) if net else Decimal(1)
        self.revenue_excl_usd += revenue * clean


def build_rows(facts: Iterable[EpochFacts], interval: str, decimals: int) -> list[dict]:
    rows = []
    total = _Sums()
    for start, items in group(sorted(facts, key=lambda f: f.epoch), interval):
        s = _Sums()
        for f in items:
            s.add(f, decimals)
            total.add(f, decimals)
        last = items[-1]
        # Over an interval the price is the subsidy's value-weighted average.
        price = s.subsidy_usd / s.subsidy_tokens if s.subsidy_tokens else price_usd(last.price)
        row = period_head(start, items[0].epoch, last.epoch, interval)
        row.update({
            "subsidy_tokens": s.subsidy_tokens,
            "price_usd": price,
            "subsidy_usd": s.subsidy_usd,
            "revenue_usd": s.revenue_usd,
            "real_yield_share": share(s.revenue_usd, s.subsidy_usd),
            "coverage_ratio": ratio(s.revenue_usd, s.subsidy_usd),
            "gross_payments_usd": scaled(sum(f.gross_payments for f in items), decimals),
            "protocol_fees_usd": scaled(sum(f.protocol_fees for f in items), decimals),
            "payments": sum(f.payments for f in items),
            "active_nodes": last.active_nodes,
            "revenue_per_node_usd": ratio(s.revenue_usd, Decimal(last.active_nodes)),
            "net_new_supply_tokens": tokens(sum(f.minted - f.burned for f in items)),
            "suspect_revenue_usd": scaled(sum(f.suspect_gross for f in items), decimals),
            "real_yield_share_excl_suspect": share(s.revenue_excl_usd, s.subsidy_usd),
            "cumulative_subsidy_usd": total.subsidy_usd,
            "cumulative_revenue_usd": total.revenue_usd,
            "cumulative_share": share(total.revenue_usd, total.subsidy_usd),
        })
        rows.append(row)
    return rows


def _slope(values: list[Decimal]) -> Decimal | None:
    """Least-squares change per period of the last values."""
    n = len(values)
    if n < 2:
        return None
    mean_x = Decimal(n - 1) / 2
    mean_y = sum(values, Decimal(0)) / n
    num = sum(((i - mean_x) * (v - mean_y) for i, v in enumerate(values)), Decimal(0))
    den = sum(((i - mean_x) ** 2 for i in range(n)), Decimal(0))
    return num / den


def _projection(name: str, values: list[Decimal], target: Decimal, unit: str) -> dict:
    """When the values would reach `target` at their trend: in words, and as a number of periods."""
    slope = _slope(values)
    latest = values[-1] if values else None
    if latest is None:
        words, periods = "no data", None
    elif latest >= target:
        words, periods = "reached", Decimal(0)
    elif slope is None or slope <= 0:
        words, periods = "not on the current trend", None
    else:
        periods = (target - latest) / slope
        words = f"in about {periods:.1f} {unit}s at the current trend"
    return {name: words, f"{name}_periods": periods}


def summarize(facts: list[EpochFacts], rows: list[dict], interval: str, decimals: int, k: int = TREND_PERIODS) -> dict:
    crossover = None
    for f in sorted(facts, key=lambda f: f.epoch):
        revenue = scaled(f.revenue, decimals)
        s = share(revenue, tokens(f.subsidy) * price_usd(f.price))
        if s is not None and s >= HALF:
            crossover = f.epoch
            break
    shares = [r["real_yield_share"] for r in rows if r["real_yield_share"] is not None][-k:]
    coverages = [r["coverage_ratio"] for r in rows if r["coverage_ratio"] is not None][-k:]
    return {
        "epochs": len(facts),
        "first_epoch": rows[0]["epoch_start"] if rows else None,
        "last_epoch": rows[-1]["epoch_end"] if rows else None,
        "crossover_epoch": crossover,
        "latest_share": shares[-1] if shares else None,
        "trend_periods": len(shares),
        "share_trend_per_period": _slope(shares),
        **_projection("share_50_percent", shares, HALF, interval),
        **_projection("coverage_100_percent", coverages, Decimal(1), interval),
        "cumulative_share": rows[-1]["cumulative_share"] if rows else None,
        "cumulative_subsidy_usd": rows[-1]["cumulative_subsidy_usd"] if rows else None,
        "cumulative_revenue_usd": rows[-1]["cumulative_revenue_usd"] if rows else None,
    }
