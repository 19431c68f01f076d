"""The charts read the figure back: what a reader sees on each axis, not only that a PNG was written."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import matplotlib.pyplot as plt
import pytest
from matplotlib.container import BarContainer

from indexer.db.engine import make_engine
from indexer.reports import build, charts
from indexer.reports.model import Report
from tests.reports.test_report_metrics import INFO, scenario

HOUR = 3600


def report(name: str, interval: str | None, rows: list[dict], summary: dict | None = None, epoch_length: int = HOUR) -> Report:
    return Report(name, f"{name} per {interval}", interval, rows, summary or {}, list(rows[0]) if rows else [],
                  epoch_length=epoch_length)


def period(first: int, last: int, start: str, subsidy: object, revenue: object, share: object) -> dict:
    return {"epoch_start": first, "epoch_end": last, "start_time": start, "subsidy_usd": subsidy, "revenue_usd": revenue,
            "real_yield_share": share}


# Three days of hourly epochs: the network starts at 08:00 on the first (16 of 24) and stops at noon on the last (12 of 24).
DAYS = [
    period(0, 15, "2026-12-01T00:00:00Z", "795149.74420562500000000000000000", Decimal("77207.42"), 0.0885),
    period(16, 39, "2026-12-02T00:00:00Z", Decimal("1210152.4592400161387656250000"), "1886530.53", Decimal("0.6092")),
    period(40, 51, "2026-12-03T00:00:00Z", 544702.05, "1493262.79", "0.7327"),
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def drawn(rep: Report):
    fig = charts.figure(rep)
    fig.canvas.draw()
    return fig, fig.axes[0]


def tick_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_day_ticks_name_dates_not_fractions() -> None:
    fig, ax = drawn(report("real-yield", "day", DAYS, {"crossover_epoch": 22}))
    assert tick_labels(ax) == ["Dec 01", "Dec 02", "Dec 03"]
    assert "2026" in ax.get_xlabel()


def test_week_and_month_ticks_name_the_period() -> None:
    week = [period(0, 23, "2026-11-30T00:00:00Z", "1", "1", 0.5), period(24, 191, "2026-12-07T00:00:00Z", "1", "1", 0.5)]
    month = [period(0, 23, "2026-11-01T00:00:00Z", "1", "1", 0.5), period(24, 767, "2026-12-01T00:00:00Z", "1", "1", 0.5)]
    assert tick_labels(drawn(report("real-yield", "week", week))[1]) == ["2026-W49", "2026-W50"]
    assert tick_labels(drawn(report("real-yield", "month", month))[1]) == ["2026-11", "2026-12"]


def test_many_days_get_fewer_labels_each_a_date() -> None:
    rows = [period(i * 24, i * 24 + 23, f"2027-01-{i + 1:02d}T00:00:00Z", "10", "5", 0.3) for i in range(31)]
    labels = tick_labels(drawn(report("real-yield", "day", rows))[1])
    assert 2 <= len(labels) <= charts.MAX_TICKS
    assert all(re.fullmatch(r"Jan \d\d", label) for label in labels)


@pytest.mark.parametrize("epochs", [1, 3, 52])
def test_epoch_ticks_are_whole_epochs(epochs: int) -> None:
    rows = [period(e, e, f"2026-12-01T{e % 24:02d}:00:00Z", "100", "50", 0.33) for e in range(epochs)]
    labels = tick_labels(drawn(report("real-yield", "epoch", rows))[1])
    assert labels and all(re.fullmatch(r"\d+", label) for label in labels)
    assert all(0 <= int(label) < epochs for label in labels)


@pytest.mark.parametrize("interval", ["epoch", "day", "week", "month"])
def test_a_single_period_is_drawn_as_bars(interval: str) -> None:
    rows = [period(7, 7 if interval == "epoch" else 30, "2026-12-01T00:00:00Z", "1200000", "350000", 0.226)]
    fig, ax = drawn(report("real-yield", interval, rows))
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2  # subsidy, and revenue stacked on it
    assert [b.get_height() for c in bars for b in c] == [1_200_000, 350_000]
    assert not ax.collections  # no area between periods (a stackplot is a PolyCollection)


def test_periods_are_bars_and_shares_are_steps() -> None:
    fig, ax = drawn(report("real-yield", "day", DAYS))
    assert all(len(c) == 3 for c in ax.containers)
    share = fig.axes[1].lines[0]
    xs, ys = share.get_xdata(), share.get_ydata()
    # Each period's share is flat across the period: pairs of points at one value, the period's own.
    assert [ys[i] for i in range(0, len(ys), 2)] == [ys[i] for i in range(1, len(ys), 2)] == pytest.approx([0.0885, 0.6092, 0.7327])
    assert xs[1] == xs[2] and xs[3] == xs[4]  # risers where one day ends and the next begins


def test_partial_periods_are_hatched_and_counted() -> None:
    fig, ax = drawn(report("real-yield", "day", DAYS))
    assert "16 of 24 epochs" in texts(fig) and "12 of 24 epochs" in texts(fig)
    assert not any("of 24 epochs" in t and t.startswith("24") for t in texts(fig))
    subsidy = ax.containers[0]
    assert [bool(b.get_hatch()) for b in subsidy] == [True, False, True]


def test_a_month_counts_its_own_days() -> None:
    rows = [period(0, 51, "2026-12-01T00:00:00Z", "1", "1", 0.5), period(52, 100, "2027-02-01T00:00:00Z", "1", "1", 0.5)]
    fig, _ = drawn(report("real-yield", "month", rows))
    assert "52 of 744 epochs" in texts(fig) and "49 of 672 epochs" in texts(fig)


def test_a_gap_between_periods_stays_a_gap() -> None:
    rows = [DAYS[0], period(40, 51, "2026-12-03T00:00:00Z", "1", "1", 0.7)]
    fig, _ = drawn(report("real-yield", "day", rows))
    ys = fig.axes[1].lines[0].get_ydata()
    assert any(math.isnan(y) for y in ys)


@pytest.mark.parametrize(("value", "text"), [(1.2e6, "$1.2M"), (350_000, "$350K"), (12, "$12"), (0, "$0"), (2.5e9, "$2.5B"),
                                             (0.5, "$0.5"), (1_000_000, "$1M"), (-45_000, "-$45K")])
def test_usd_ticks(value: float, text: str) -> None:
    assert charts.usd(value) == text


def test_amount_axis_uses_dollars_without_offset() -> None:
    fig, ax = drawn(report("real-yield", "day", DAYS))
    assert ax.yaxis.get_major_formatter()(1.2e6, 0) == "$1.2M"
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert all(t.get_text().startswith("$") for t in ax.get_yticklabels() if t.get_text())


def test_crossover_is_marked_on_epoch_and_date_charts() -> None:
    rows = [period(e, e, f"2026-12-01T{e:02d}:00:00Z", "100", str(e * 20), e * 20 / (100 + e * 20)) for e in range(12)]
    fig, _ = drawn(report("real-yield", "epoch", rows, {"crossover_epoch": 5}))
    assert "crossover: epoch 5" in texts(fig)
    fig, _ = drawn(report("real-yield", "day", DAYS, {"crossover_epoch": 22}))
    assert "crossover: epoch 22, in Dec 02" in texts(fig)
    fig, _ = drawn(report("real-yield", "day", DAYS, {"crossover_epoch": None}))
    assert not any(t.startswith("crossover") for t in texts(fig))


def test_demand_shows_the_share_without_suspect_revenue_and_its_crossover() -> None:
    rows = [dict(r, real_yield_share_excl_suspect=0.9 * float(r["real_yield_share"])) for r in DAYS]
    fig, _ = drawn(report("demand", "day", rows, {"crossover_epoch": 22, "crossover_epoch_excl_suspect": 41}))
    labels = [line.get_label() for line in fig.axes[1].lines]
    assert "share without suspect revenue" in labels and "50% share" in labels
    assert "crossover without suspect revenue: epoch 41, in Dec 03" in texts(fig)


def test_demand_bars_split_payments_by_payer() -> None:
    # The demand report's rows carry payments and suspect payments, not subsidy: no layer may stand for a missing value.
    rows = [{k: v for k, v in r.items() if k != "subsidy_usd"} | {"gross_payments_usd": "1000", "suspect_revenue_usd": "250"}
            for r in DAYS]
    fig, ax = drawn(report("demand", "day", rows))
    assert [b.get_height() for b in ax.containers[0]] == [750] * 3 and [b.get_height() for b in ax.containers[1]] == [250] * 3
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "payments by suspect payers (USD, gross)" in labels and not any("subsidy" in label for label in labels)


def test_legend_sits_above_the_data() -> None:
    fig, ax = drawn(report("real-yield", "day", DAYS, {"crossover_epoch": 22}))
    legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None]
    assert len(legends) == 1
    renderer = fig.canvas.get_renderer()
    assert legends[0].get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1


def test_payback_never_is_a_marker_and_days_sit_beside_epochs() -> None:
    rows = [
        {"scenario": "price -50%", "price_usd": "0.417", "payback_epochs": None, "payback_days": None},
        {"scenario": "current price", "price_usd": "0.8341", "payback_epochs": 42.3, "payback_days": 1.7625},
        {"scenario": "price +25%", "price_usd": "1.0425739", "payback_epochs": Decimal("30"), "payback_days": "1.25"},
    ]
    fig, ax = drawn(report("payback", None, rows))
    assert "never pays back" in texts(fig)
    assert "42.3 epochs · 1.8 days" in texts(fig) and "30.0 epochs · 1.2 days" in texts(fig)
    never_marker = [line for line in ax.lines if line.get_marker() == ">"]
    assert len(never_marker) == 1 and never_marker[0].get_xdata()[0] == ax.get_xlim()[1]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["price -50% ($0.417)", "current price ($0.8341)", "price +25% ($1.043)"]
    # No label is cut at the figure's edge.
    renderer = fig.canvas.get_renderer()
    assert all(t.get_window_extent(renderer).x0 >= 0 for t in ax.get_yticklabels())


def test_payback_when_nothing_pays_back() -> None:
    rows = [{"scenario": s, "price_usd": "1", "payback_epochs": None, "payback_days": None} for s in ("current price", "price +25%")]
    fig, ax = drawn(report("payback", None, rows))
    assert texts(fig).count("never pays back") == 2
    assert not tick_labels(ax)


def test_contributors_shorten_addresses_and_count_dollars() -> None:
    rows = [{"account": f"0x12ab{i:034x}cdef", "claimed_subsidy_usd": str(1000 * (30 - i)), "claimed_revenue_usd": "250.5",
             "claimed_usd": str(1000 * (30 - i) + 250.5)} for i in range(30)]
    fig, ax = drawn(report("contributors", None, rows, {"accounts": 30}))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == charts.TOP_ACCOUNTS and set(labels) == {"0x12ab…cdef"}
    assert ax.xaxis.get_major_formatter()(350_000, 0) == "$350K"
    assert "top 20 of 30 accounts" in fig._suptitle.get_text()


def test_values_of_every_type_and_unknowns_draw() -> None:
    rows = [period(0, 23, "2026-12-01T00:00:00Z", None, "", None), period(24, 47, "2026-12-02T00:00:00Z", "1,000", "5%", "50%")]
    assert charts.number("5%") == 0.05 and charts.number("1,000") == 1000 and math.isnan(charts.number(None))
    assert charts.png(report("real-yield", "day", rows))[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_built_report_charts_its_day_as_a_partial_period(tmp_path) -> None:
    # The hand-made events: five epochs of 100 s, all on 1 January 1970, a day that holds 864 of them.
    engine = scenario(f"sqlite:///{tmp_path / 'charts.db'}")
    with engine.connect() as conn:
        rep = build.real_yield(conn, INFO, "day")
    engine.dispose()
    fig, ax = drawn(rep)
    assert tick_labels(ax) == ["Jan 01"]
    assert "5 of 864 epochs" in texts(fig)
    assert any(t.startswith("crossover: epoch 4") for t in texts(fig))
