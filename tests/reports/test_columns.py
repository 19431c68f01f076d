"""The precision policy: every value rounded once at its kind's scale for machines, and further for people."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from indexer.reports import columns as cols
from indexer.reports.model import Report, summary_lines


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("real_yield_share", Decimal(1) / Decimal(3), 0.33333333),
    ("real_yield_share", Decimal("0.123456785"), 0.12345678),  # half-even: the 8 stays
    ("real_yield_share", Decimal("0.123456775"), 0.12345678),  # half-even: the 7 goes up to 8
    ("coverage_ratio", Decimal("2.5"), 2.5),
    ("revenue_usd", Decimal("1.0000005"), "1"),  # USD at the payment token's 6 decimals, half-even
    ("revenue_usd", Decimal("1.0000015"), "1.000002"),
    ("subsidy_usd", Decimal("12.3456789012345678901234567"), "12.345679"),
    ("subsidy_tokens", Decimal("0.000000000000000001"), "0.000000000000000001"),  # exact sums are left as they are
    ("subsidy_tokens", Decimal(2**256 - 1).scaleb(-18), "115792089237316195423570985008687907853269984665640564039457.584007913129639935"),
    ("tokens_per_node_per_epoch", Decimal("124.17130477907606200146879373"), "124.171304779076062001"),
    ("price_usd", Decimal("0.834112345"), "0.83411234"),
    ("payback_epochs", Decimal("42.345"), 42.34),
    ("payback_epochs", Decimal("42.355"), 42.36),
    ("active_nodes", 12, 12),
    ("real_yield_share", None, None),
    ("start_time", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"),
])
def test_each_kind_is_rounded_once_half_even_at_its_scale(key, value, expected) -> None:
    assert cols.fixed(key, value, 6) == expected


def test_a_float_carries_the_rounded_decimal_exactly() -> None:
    for numerator in range(1, 200):
        value = cols.fixed("real_yield_share", Decimal(numerator) / Decimal(197), 6)
        assert len(repr(value).split(".")[1]) <= 8


def test_an_undeclared_value_is_refused_rather_than_printed_raw() -> None:
    with pytest.raises(KeyError, match="no declared kind"):
        cols.fixed("mystery_usd", Decimal(1), 6)


def test_a_count_with_a_fraction_is_a_bug_not_a_value() -> None:
    with pytest.raises(ValueError):
        cols.fixed("active_nodes", Decimal("1.5"), 6)


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("revenue_usd", "1234567.895", "$1,234,567.90"),
    ("revenue_usd", "-0.5", "-$0.50"),
    ("subsidy_tokens", "393333.333333333333333333", "393,333.3333"),
    ("price_usd", "0.83411234", "$0.8341"),
    ("price_usd", "12.3456", "$12.35"),
    ("price_usd", "1234.5678", "$1,235"),
    ("price_usd", "0.000123456", "$0.0001235"),
    ("price_usd", "0.5", "$0.5000"),
    ("price_usd", "2", "$2.000"),
    ("price_usd", "12345.678", "$12,346"),
    ("real_yield_share", 0.73581234, "73.58%"),
    ("coverage_ratio", 2.78571429, "2.7857"),
    ("payback_epochs", 1234.5, "1,234.50"),
    ("active_nodes", 1500, "1,500"),
    ("epoch_start", 1500, "1500"),
    ("revenue_usd", None, ""),
])
def test_display_rounds_further_for_reading(key, value, shown) -> None:
    assert cols.display(key, value) == shown


def test_a_summary_never_shows_a_blank_and_rounds_as_the_table_does() -> None:
    lines = summary_lines({"crossover_epoch": None, "payback_epochs_at_current_price": None, "share_50_percent": "not on the current trend",
                           "share_50_percent_periods": None, "current_price_usd": "0.83411234"})
    assert lines == ["crossover epoch: none yet", "payback at the current price, epochs: never",
                     "share reaches 50%: not on the current trend", "current price: $0.8341"]


def test_a_report_carries_exactly_its_columns() -> None:
    with pytest.raises(ValueError, match="lack the columns"):
        Report("real-yield", "t", "epoch", [{"epoch_start": 1}], {}, ["epoch_start", "epoch_end"])
    report = Report("real-yield", "t", "epoch", [{"epoch_start": 1, "extra": 2}], {}, ["epoch_start"])
    assert report.to_json()["rows"] == [{"epoch_start": 1}]


def test_a_finished_report_rounds_rows_summary_and_sections() -> None:
    report = Report("demand", "t", "epoch", [{"real_yield_share": Decimal(2) / Decimal(3)}], {"suspect_payments_usd": Decimal("1.23456789")},
                    ["real_yield_share"], extra={"suspect_accounts": [{"suspect_paid_usd": Decimal("0.0000001")}]})
    done = report.finished(6)
    assert done.rows == [{"real_yield_share": 0.66666667}]
    assert done.summary == {"suspect_payments_usd": "1.234568"}
    assert done.extra == {"suspect_accounts": [{"suspect_paid_usd": "0"}]}


def test_the_readme_defines_every_value_a_report_carries() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert [key for key in cols.COLUMNS if f"`{key}`" not in readme] == []
