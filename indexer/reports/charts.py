"""Matplotlib charts of the reports: the PNG file, and the inline SVG of the HTML page.

Charts are the one place amounts become floats, for display only: a bar is only as
precise as the pixels it covers, so nothing a reader can see is lost, while the table,
CSV and JSON keep every value as the report built it. Values are read defensively (an
exact decimal string, a Decimal, a float or None), so the charts follow however the
report rounds its values; an unknown value is a gap, never 0.

Why the charts look as they do:

- A report sums each period, so each period is a bar (subsidy with revenue stacked on
  it) and each share a step across its period. A line between two periods would draw
  growth that no period had; a single period is a single bar, not an empty chart.
- Calendar periods sit on a date axis at their true start and length: a missing period
  is a gap, a month is as wide as its days, and ticks name periods (`Dec 01`,
  `2026-W49`, `2026-12`). Epochs sit on an axis of whole epoch numbers.
- A period with fewer epochs than a full one holds (a network's first or last day, week
  or month, or one with unfinalized epochs) sums less only because it is shorter: its
  bar is hatched and labelled with its count ("4 of 24 epochs") so it is not read as
  a fall.
- Amounts read as `$1.2M`, never with an offset or an exponent the eye skips.
- Legends sit above the axes, where they cannot cover data.
- A payback that never happens is drawn as a marker at the axis end, labelled: a missing
  bar would read as the best case, 0 epochs.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from indexer.reports.model import Report  # noqa: E402

SUBSIDY = "#d9822b"
REVENUE = "#2b83ba"
SHARE = "#1a1a1a"
SUSPECT = "#c0392b"
SUSPECT_PAID = "#e8877d"
NEVER = "#c0392b"
DAY = 86_400
# At most this many period names under a chart: more would overlap.
MAX_TICKS = 14
# Tick strides, in periods, that land on familiar boundaries (a week of days, a quarter of months).
STRIDES = {"day": (1, 2, 7, 14, 28, 91, 182, 364), "week": (1, 2, 4, 13, 26, 52), "month": (1, 2, 3, 6, 12, 24)}
TOP_ACCOUNTS = 20
DENSE = 150  # periods beyond which bars are too thin for a gap between them
# How a tick names a period: a day briefly (the year is in the axis label), a week by its ISO year and number.
PERIOD_NAMES = {"day": "%b %d", "week": "%G-W%V", "month": "%Y-%m"}


def number(value: object) -> float:
    """A value as a float to draw; NaN (a gap) for None, empty or anything that is not a number."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("$", "")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    try:
        return float(text) * scale
    except ValueError:
        return math.nan


def usd(value: float, _position: object = None) -> str:
    """A USD amount as a tick reads it: `$1.2M`, `$350K`, `$12`, `$0.5`."""
    if math.isnan(value):
        return ""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{sign}${_trim(value / size)}{suffix}"
    return f"{sign}${_trim(value)}"


def _trim(value: float) -> str:
    # Two decimals at most, none that are zeros: ticks are round numbers, so `1.2`, not `1.20`.
    return f"{value:.2f}".rstrip("0").rstrip(".")


USD_FORMATTER = FuncFormatter(usd)


def short_address(address: object) -> str:
    text = str(address or "")
    return f"{text[:6]}…{text[-4:]}" if text.startswith("0x") and len(text) > 12 else text


@dataclass(frozen=True)
class Period:
    """Where one row's period lies on the x-axis, and how many epochs it holds of how many a full one would."""

    left: float
    right: float
    name: str
    epochs: int
    full: float | None  # epochs a full period holds; None for epochs, or when the epoch length is unknown
    epoch_start: int
    epoch_end: int

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2

    @property
    def partial(self) -> bool:
        # A period's epochs are those that start in it, so a full one holds at least the whole number that fits.
        return self.full is not None and self.epochs < math.floor(self.full + 1e-9)

    def count_text(self) -> str:
        full = f"{self.full:.0f}" if self.full is not None and abs(self.full - round(self.full)) < 1e-9 else f"~{self.full:.1f}"
        return f"{self.epochs} of {full} epochs"


def _start(row: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(row["start_time"]).replace("Z", "+00:00")).astimezone(timezone.utc)
    except (KeyError, ValueError):
        return None


def _period_end(start: datetime, interval: str) -> datetime:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    return (start.replace(day=1) + timedelta(days=32)).replace(day=1)


def by_date(report: Report) -> bool:
    """Whether the chart's x-axis is calendar time (day, week, month) rather than epoch numbers."""
    return report.interval in ("day", "week", "month") and all(_start(r) is not None for r in report.rows)


def periods(report: Report) -> list[Period]:
    out = []
    for row in report.rows:
        first, last = int(row["epoch_start"]), int(row.get("epoch_end", row["epoch_start"]))
        if not by_date(report):
            out.append(Period(first - 0.5, last + 0.5, str(first), last - first + 1, None, first, last))
            continue
        start = _start(row)
        end = _period_end(start, report.interval)
        full = (end - start).total_seconds() / report.epoch_length if report.epoch_length else None
        out.append(Period(mdates.date2num(start), mdates.date2num(end), start.strftime(PERIOD_NAMES[report.interval]),
                          last - first + 1, full, first, last))
    return out


def _steps(spans: list[Period], values: list[float]) -> tuple[list[float], list[float]]:
    """A step line across each period, broken (NaN) where periods do not touch, so a gap stays a gap."""
    xs: list[float] = []
    ys: list[float] = []
    for i, (p, v) in enumerate(zip(spans, values)):
        if i and abs(spans[i - 1].right - p.left) > 1e-9:
            xs.append(p.left)
            ys.append(math.nan)
        xs += [p.left, p.right]
        ys += [v, v]
    return xs, ys


def _date_ticks(ax, spans: list[Period], interval: str) -> None:
    need = math.ceil(len(spans) / MAX_TICKS)
    stride = next((s for s in STRIDES[interval] if s >= need), need)
    shown = spans[::stride]
    ax.xaxis.set_major_locator(FixedLocator([p.center for p in shown]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, pos: shown[pos].name if pos is not None and pos < len(shown) else ""))
    ax.xaxis.set_minor_locator(FixedLocator([p.left for p in spans] + [spans[-1].right]))
    ax.tick_params(axis="x", which="minor", length=3)
    years = sorted({mdates.num2date(p.left).year for p in spans})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    ax.set_xlabel(f"{interval} (UTC), {span}" if interval == "day" else f"{interval} (UTC)")


def _epoch_ticks(ax, spans: list[Period]) -> None:
    # A locator asked for integers still falls back to fractions over a short range, so a few epochs are named one by one.
    if spans and spans[-1].epoch_end - spans[0].epoch_start < MAX_TICKS:
        ax.xaxis.set_major_locator(FixedLocator(range(spans[0].epoch_start, spans[-1].epoch_end + 1)))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=MAX_TICKS, integer=True))
    first, last = (spans[0].epoch_start, spans[-1].epoch_end) if spans else (0, 0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}" if first <= x <= last else ""))
    ax.set_xlabel("epoch")


def _crossover(ax, share_ax, spans: list[Period], epoch: object, dated: bool, label: str, color: str, height: float) -> object:
    """A dashed line at the crossover epoch, or at the period holding it on a date axis; the line's legend handle."""
    if epoch is None:
        return None
    epoch = int(number(epoch)) if not isinstance(epoch, int) else epoch
    holding = next((p for p in spans if p.epoch_start <= epoch <= p.epoch_end), None)
    if holding is None:
        return None
    x = holding.center if dated else epoch
    where = f"epoch {epoch}" + (f", in {holding.name}" if dated else "")
    line = ax.axvline(x, color=color, linestyle="--", linewidth=1.2, label=f"{label} ({where})")
    share_ax.annotate(f"{label}: {where}", xy=(x, height), xycoords=("data", "axes fraction"), xytext=(4, 0),
                      textcoords="offset points", fontsize=8, color=color, va="top",
                      bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    return line


def _layers(report: Report) -> list[tuple[list[float], str, str]]:
    """The stacked bars' layers, bottom first: values, colour, legend label.

    The demand report is about who pays, so its bars split the payments (gross, both layers)
    into those of suspect payers and everyone else; the real-yield report's bars are subsidy
    under revenue. Each chart draws only what its rows carry.
    """
    rows = report.rows
    if report.name == "demand" and all("suspect_revenue_usd" in r and "gross_payments_usd" in r for r in rows):
        suspect = [number(r["suspect_revenue_usd"]) for r in rows]
        others = [number(r["gross_payments_usd"]) - (0.0 if math.isnan(x) else x) for r, x in zip(rows, suspect)]
        return [(others, REVENUE, "payments by other payers (USD, gross)"), (suspect, SUSPECT_PAID, "payments by suspect payers (USD, gross)")]
    layers = []
    if any("subsidy_usd" in r for r in rows):
        layers.append(([number(r.get("subsidy_usd")) for r in rows], SUBSIDY, "subsidy (USD at each epoch's price)"))
    layers.append(([number(r.get("revenue_usd")) for r in rows], REVENUE, "revenue (USD)"))
    return layers


def _bars(ax, report: Report, spans: list[Period], layers: list[tuple[list[float], str, str]],
          sums: bool = True) -> tuple[list[float], list[bool]]:
    """The period axis with `layers` stacked as bars on it; each bar's top, and which periods are partial. Bars
    of sums over a period hatch a partial one, which sums less only for being shorter; bars of a state at the
    period's end (`sums` False) do not."""
    # Bars leave a sliver between periods, so that where one period ends and the next begins stays visible; past
    # a few pixels a bar the slivers and edges would be all one sees, so dense bars touch and have no edge.
    dense = len(spans) > DENSE
    dated = by_date(report)
    widths = [(p.right - p.left) * (1.0 if dense else 0.84 if dated else 0.8) for p in spans]
    lefts = [p.left + (p.right - p.left - w) / 2 for p, w in zip(spans, widths)]
    partial = [p.partial and sums for p in spans]
    hatch = ["//" if x else None for x in partial]
    alpha = [0.55 if x else 0.9 for x in partial]
    tops = [0.0] * len(spans)
    for values, color, _ in layers:
        bars = ax.bar(lefts, values, width=widths, bottom=list(tops), align="edge", color=color, edgecolor="white",
                      linewidth=0 if dense else 0.4, antialiased=not dense)
        for bar, h, a in zip(bars, hatch, alpha):
            bar.set_hatch(h)
            bar.set_alpha(a)
        tops = [t + (0.0 if math.isnan(v) else v) for t, v in zip(tops, values)]
    ax.set_ylim(0, (max(tops) if tops and max(tops) > 0 else 1) * 1.18)
    ax.grid(axis="y", alpha=0.25)
    ax.set_axisbelow(True)
    pad = (spans[-1].right - spans[0].left) * 0.01 if spans else 0
    if spans:
        ax.set_xlim(spans[0].left - pad, spans[-1].right + pad)
    if by_date(report) and spans:
        _date_ticks(ax, spans, report.interval)
    else:
        _epoch_ticks(ax, spans)
    return tops, partial


def real_yield_figure(report: Report):
    """Amounts per period as stacked bars (`_layers`), the shares as steps on a 0-100% axis beside them."""
    spans = periods(report)
    dated = by_date(report)
    layers = _layers(report)
    fig, ax = plt.subplots(figsize=(11, 6), dpi=110, layout="constrained")
    tops, partial = _bars(ax, report, spans, layers)
    ax.yaxis.set_major_formatter(USD_FORMATTER)
    ax.set_ylabel(f"USD per {report.interval or 'epoch'}")

    share_ax = ax.twinx()
    share_ax.plot(*_steps(spans, [number(r.get("real_yield_share")) for r in report.rows]), color=SHARE, linewidth=2,
                  label="real-yield share (right axis)")
    if any(r.get("real_yield_share_excl_suspect") is not None for r in report.rows):
        share_ax.plot(*_steps(spans, [number(r.get("real_yield_share_excl_suspect")) for r in report.rows]), color=SUSPECT,
                      linewidth=1.4, linestyle="--", label="share without suspect revenue")
    share_ax.axhline(0.5, color="grey", linestyle=":", linewidth=1.2, label="50% share")
    share_ax.set_ylim(0, 1)
    share_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    share_ax.set_ylabel("real-yield share: revenue ÷ (subsidy + revenue)")

    for i, p in enumerate(spans):
        if not p.partial:
            continue
        # Drawn on the share axes, above its lines, at the bar's top in amount units.
        align = "center" if len(spans) < 8 else ("left" if i == 0 else "right" if i == len(spans) - 1 else "center")
        share_ax.annotate(p.count_text(), xy=(p.center, tops[i]), xycoords=ax.transData, xytext=(0, 4),
                          textcoords="offset points", ha=align, va="bottom", fontsize=8,
                          bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "alpha": 0.9})

    marks = [_crossover(ax, share_ax, spans, report.summary.get("crossover_epoch"), dated, "crossover", SHARE, 0.98)]
    if "crossover_epoch_excl_suspect" in report.summary:
        marks.append(_crossover(ax, share_ax, spans, report.summary.get("crossover_epoch_excl_suspect"), dated,
                                "crossover without suspect revenue", SUSPECT, 0.91))

    # The legend's swatches are drawn plain: the bars' own first patch may be a hatched partial period.
    handles = [Patch(color=color, label=label) for _, color, label in layers]
    if any(partial):
        handles.append(Patch(facecolor="#bbbbbb", hatch="//", edgecolor="white", label="partial period (fewer epochs)"))
    handles += share_ax.get_legend_handles_labels()[0] + [m for m in marks if m is not None]
    labels = [h.get_label() for h in handles]
    # On the top axes (the share's, drawn last) but outside them, above: constrained layout makes room for it.
    share_ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.01), ncol=3, fontsize=8, frameon=False)
    fig.suptitle(report.title, fontsize=12)
    return fig


def payback_figure(report: Report):
    """Payback per price scenario as horizontal bars in epochs, with days on the top axis and in each label."""
    rows = report.rows
    epochs = [number(r.get("payback_epochs")) for r in rows]
    length = report.epoch_length
    days = [number(r.get("payback_days")) for r in rows]
    days = [d if not math.isnan(d) or length is None else e * length / DAY for d, e in zip(days, epochs)]
    fig, ax = plt.subplots(figsize=(11, 1.6 + 0.6 * max(len(rows), 1)), dpi=110, layout="constrained")
    names = [_scenario_name(r) for r in rows]
    y = list(range(len(rows)))
    finite = [e for e in epochs if not math.isnan(e)]
    reach = max(finite) if finite and max(finite) > 0 else 1.0
    end = reach * 1.5  # room for the labels after the longest bar, and for the "never" markers
    ax.barh(y, [0.0 if math.isnan(e) else e for e in epochs], color=[REVENUE if not math.isnan(e) else "none" for e in epochs],
            height=0.6)
    for yi, e, d in zip(y, epochs, days):
        if math.isnan(e):
            ax.plot([0, end], [yi, yi], color=NEVER, linestyle=":", linewidth=1)
            ax.plot([end], [yi], marker=">", color=NEVER, markersize=10, clip_on=False)
            ax.annotate("never pays back", xy=(end, yi), xytext=(-10, 0), textcoords="offset points", ha="right",
                        va="center", color=NEVER, fontsize=9, fontweight="bold",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none"})
        else:
            label = f"{_count(e)} epochs" + (f" · {_count(d)} days" if not math.isnan(d) else "")
            ax.annotate(label, xy=(e, yi), xytext=(5, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_xlim(0, end)
    if not finite:
        ax.set_xticks([])  # no payback to measure: a scale of epochs would only suggest one
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("epochs until the node's margin has paid for its hardware")
    ax.grid(axis="x", alpha=0.25)
    ax.set_axisbelow(True)
    if length and finite:
        top = ax.secondary_xaxis("top", functions=(lambda e: e * length / DAY, lambda d: d * DAY / length))
        top.set_xlabel("days")
    ax.set_title(report.title, fontsize=12)
    return fig


def _scenario_name(row: dict) -> str:
    price = number(row.get("price_usd"))
    name = str(row.get("scenario", ""))
    return name if math.isnan(price) else f"{name} (${price:.4g})"


def _count(value: float) -> str:
    # Two significant digits below 1, so that 0.45 days does not read as 0.4.
    return f"{value:,.1f}" if value >= 1 or value == 0 else f"{value:.2g}"


def contributors_figure(report: Report):
    """The accounts that claimed the most USD, subsidy and revenue stacked, largest at the top."""
    rows = report.rows[:TOP_ACCOUNTS]
    fig, ax = plt.subplots(figsize=(11, 1.4 + 0.32 * max(len(rows), 1)), dpi=110, layout="constrained")
    y = list(range(len(rows)))
    if rows and all("claimed_subsidy_usd" in r and "claimed_revenue_usd" in r for r in rows):
        subsidy = [number(r["claimed_subsidy_usd"]) for r in rows]
        ax.barh(y, subsidy, color=SUBSIDY, height=0.7, label="subsidy claimed (USD at the price when claimed)")
        ax.barh(y, [number(r["claimed_revenue_usd"]) for r in rows], left=[0.0 if math.isnan(s) else s for s in subsidy],
                color=REVENUE, height=0.7, label="revenue claimed (USD)")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
    else:
        ax.barh(y, [number(r.get("claimed_usd")) for r in rows], color=REVENUE, height=0.7)
    ax.set_yticks(y, [short_address(r.get("account")) for r in rows], fontfamily="monospace", fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(USD_FORMATTER)
    ax.set_xlabel("USD claimed")
    ax.grid(axis="x", alpha=0.25)
    ax.set_axisbelow(True)
    accounts = report.summary.get("accounts", len(report.rows))
    fig.suptitle(f"{report.title} (top {len(rows)} of {accounts} accounts)", fontsize=12)
    return fig


def _period_axes(ax, label: str) -> object:
    """A 0-100% axis beside `ax` (more if a value passes 100%), for shares drawn as steps across their periods."""
    share_ax = ax.twinx()
    share_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    share_ax.set_ylabel(label)
    return share_ax


def _share_steps(share_ax, report: Report, spans: list[Period], lines: list[tuple[str, str, str, str]]) -> None:
    """Each (key, colour, style, label) of `lines` as steps on `share_ax`, its range 0-100% or up to the largest."""
    highest = 1.0
    for key, color, style, label in lines:
        values = [number(r.get(key)) for r in report.rows]
        finite = [v for v in values if not math.isnan(v)]
        if finite:
            highest = max(highest, max(finite) * 1.1)
            share_ax.plot(*_steps(spans, values), color=color, linewidth=2 if style == "-" else 1.4, linestyle=style, label=label)
    share_ax.set_ylim(0, highest)


def _legend_above(fig, ax, share_ax, layers: list[tuple[list[float], str, str]]) -> None:
    handles = [Patch(color=color, label=label) for _, color, label in layers] + share_ax.get_legend_handles_labels()[0]
    share_ax.legend(handles, [h.get_label() for h in handles], loc="lower center", bbox_to_anchor=(0.5, 1.01), ncol=3,
                    fontsize=8, frameon=False)


def liabilities_figure(report: Report):
    """Unclaimed subsidy (USD at the period's closing price) and revenue at each period's end, stacked, with the
    overhang's share of circulating supply as steps beside them."""
    spans = periods(report)
    layers = [([number(r.get("unclaimed_subsidy_usd")) for r in report.rows], SUBSIDY,
               "unclaimed subsidy, still to be minted (USD at the closing price)"),
              ([number(r.get("unclaimed_revenue_usd")) for r in report.rows], REVENUE, "unclaimed revenue, held (USD)")]
    fig, ax = plt.subplots(figsize=(11, 6), dpi=110, layout="constrained")
    _bars(ax, report, spans, layers, sums=False)
    ax.yaxis.set_major_formatter(USD_FORMATTER)
    ax.set_ylabel(f"USD earned, not yet claimed, at each {report.interval or 'epoch'}'s end")
    share_ax = _period_axes(ax, "overhang ÷ circulating supply")
    _share_steps(share_ax, report, spans, [("overhang_share_of_supply", SHARE, "-", "overhang share of supply (right axis)")])
    _legend_above(fig, ax, share_ax, layers)
    fig.suptitle(report.title, fontsize=12)
    return fig


NODES = "#7f8c8d"
IDLE = "#c0392b"


def supply_figure(report: Report):
    """Active nodes as bars with churn and idle share as steps beside them; below, when nodes reported work, the
    work per active node: p10 to p90 as a band, the median as a line."""
    spans = periods(report)
    measured = any(r.get("work_p50") is not None for r in report.rows)
    if measured:
        fig, (ax, work_ax) = plt.subplots(2, 1, figsize=(11, 8), dpi=110, layout="constrained", sharex=True,
                                          height_ratios=(3, 2))
    else:
        fig, ax = plt.subplots(figsize=(11, 6), dpi=110, layout="constrained")
    layers = [([number(r.get("nodes_active")) for r in report.rows], NODES, f"nodes active at the {report.interval or 'epoch'}'s end")]
    _bars(ax, report, spans, layers, sums=False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("nodes")
    share_ax = _period_axes(ax, "share of nodes")
    _share_steps(share_ax, report, spans, [("idle_share", IDLE, "-", "idle share: active, no work (right axis)"),
                                           ("churn", SHARE, "--", "churn: retired ÷ active at the start")])
    _legend_above(fig, ax, share_ax, layers)
    if measured:
        low, mid, high = ([number(r.get(k)) for r in report.rows] for k in ("work_p10", "work_p50", "work_p90"))
        xs, lows = _steps(spans, low)
        _, highs = _steps(spans, high)
        work_ax.fill_between(xs, lows, highs, color=REVENUE, alpha=0.25, linewidth=0, label="p10 to p90")
        work_ax.plot(*_steps(spans, mid), color=REVENUE, linewidth=2, label="median (p50)")
        work_ax.set_ylabel("work units per active node")
        work_ax.set_ylim(bottom=0)
        work_ax.grid(axis="y", alpha=0.25)
        work_ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.set_xlabel("")
        work_ax.set_xlabel(ax.xaxis.get_label().get_text() or "epoch")
        if by_date(report) and spans:
            _date_ticks(work_ax, spans, report.interval)
        else:
            _epoch_ticks(work_ax, spans)
    fig.suptitle(report.title, fontsize=12)
    return fig


def figure(report: Report):
    """The report's chart as a Matplotlib figure, before it is saved (the caller closes it)."""
    if report.name in ("real-yield", "demand"):
        return real_yield_figure(report)
    if report.name == "contributors":
        return contributors_figure(report)
    if report.name == "payback":
        return payback_figure(report)
    if report.name == "liabilities":
        return liabilities_figure(report)
    if report.name == "supply":
        return supply_figure(report)
    raise ValueError(f"no chart for {report.name}")


def _drawn(report: Report, buffer: io.BytesIO | io.StringIO, fmt: str) -> bytes | str:
    fig = figure(report)
    try:
        fig.savefig(buffer, format=fmt)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def png(report: Report) -> bytes:
    return _drawn(report, io.BytesIO(), "png")


def svg(report: Report) -> str:
    return _drawn(report, io.StringIO(), "svg")
