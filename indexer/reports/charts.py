"""Matplotlib charts of the reports (display only: amounts become floats here and nowhere else)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from indexer.reports.model import Report  # noqa: E402

SUBSIDY = "#d9822b"
REVENUE = "#2b83ba"
SHARE = "#1a1a1a"
SUSPECT = "#c0392b"


def _num(value: object) -> float:
    return float(value) if value not in (None, "") else float("nan")


def _x(report: Report) -> tuple[list[int], str]:
    if report.interval in (None, "epoch"):
        return [r["epoch_start"] for r in report.rows], "epoch"
    return list(range(len(report.rows))), f"{report.interval} (from {report.rows[0]['start_time'][:10]})" if report.rows else report.interval


def real_yield_figure(report: Report):
    x, label = _x(report)
    subsidy = [_num(r["subsidy_usd"]) for r in report.rows]
    revenue = [_num(r["revenue_usd"]) for r in report.rows]
    share = [_num(r["real_yield_share"]) for r in report.rows]
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=110)
    ax.stackplot(x, subsidy, revenue, labels=["subsidy (USD at the epoch's price)", "revenue (USD)"], colors=[SUBSIDY, REVENUE], alpha=0.8)
    ax.set_xlabel(label)
    ax.set_ylabel("USD per period")
    ax.grid(alpha=0.25)
    share_ax = ax.twinx()
    share_ax.plot(x, share, color=SHARE, linewidth=2, label="real-yield share")
    if any("real_yield_share_excl_suspect" in r for r in report.rows):
        share_ax.plot(x, [_num(r.get("real_yield_share_excl_suspect")) for r in report.rows], color=SUSPECT,
                      linewidth=1.2, linestyle="--", label="share without suspect revenue")
    share_ax.axhline(0.5, color="grey", linestyle=":", linewidth=1.2, label="50%")
    share_ax.set_ylim(0, 1)
    share_ax.set_ylabel("real-yield share")
    crossover = report.summary.get("crossover_epoch")
    if crossover is not None and report.interval in (None, "epoch"):
        ax.axvline(crossover, color=SHARE, linestyle="--", linewidth=1)
        ax.annotate(f"crossover: epoch {crossover}", xy=(crossover, 0), xytext=(5, 10), textcoords="offset points")
    handles = ax.get_legend_handles_labels()
    share_handles = share_ax.get_legend_handles_labels()
    ax.legend(handles[0] + share_handles[0], handles[1] + share_handles[1], loc="upper left", fontsize=8)
    ax.set_title(report.title)
    fig.tight_layout()
    return fig


def bars_figure(report: Report, value_key: str, label_key: str, ylabel: str):
    rows = report.rows[:20]
    fig, ax = plt.subplots(figsize=(11, 5), dpi=110)
    ax.bar(range(len(rows)), [_num(r.get(value_key)) for r in rows], color=REVENUE)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([str(r.get(label_key))[:10] for r in rows], rotation=60, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(report.title)
    fig.tight_layout()
    return fig


def figure(report: Report):
    if report.name in ("real-yield", "demand"):
        return real_yield_figure(report)
    if report.name == "contributors":
        return bars_figure(report, "claimed_usd", "account", "claimed USD")
    if report.name == "payback":
        return bars_figure(report, "payback_epochs", "scenario", "payback (epochs)")
    raise ValueError(f"no chart for {report.name}")


def _drawn(report: Report, buffer: io.BytesIO | io.StringIO, fmt: str) -> bytes | str:
    fig = figure(report)
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


def png(report: Report) -> bytes:
    return _drawn(report, io.BytesIO(), "png")


def svg(report: Report) -> str:
    return _drawn(report, io.StringIO(), "svg")
