"""Report arithmetic: base units to exact decimals and back to text, with no rounding a reader could see."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from decimal import Decimal

import pytest

from indexer.reports.numbers import exact_decimals, price_usd, ratio, scaled, share, text, tokens

UINT256_MAX = 2**256 - 1


@pytest.fixture(autouse=True)
def python_default_precision() -> Iterator[None]:
    """Python's own 28 digits, as in a `flywheel report` process: importing Vyper (as the test process does)
    raises the precision of every Decimal operation to 78 digits and would hide a missing `exact_decimals`."""
    with decimal.localcontext(decimal.Context()):
        yield


def test_base_units_scale_exactly() -> None:
    assert tokens(1) == Decimal("0.000000000000000001")
    assert tokens(1_500_000_000_000_000_000) == Decimal("1.5")
    assert price_usd(49_990_156) == Decimal("0.49990156")
    assert scaled(123, 0) == 123 and scaled(-5, 2) == Decimal("-0.05")
    assert tokens(None) is None and price_usd(None) is None


def test_text_is_exact_without_exponent_or_trailing_zeros() -> None:
    assert text(tokens(1)) == "0.000000000000000001"
    assert text(tokens(10**24)) == "1000000"
    assert text(Decimal("1E+3")) == "1000"
    assert text(Decimal("2.50")) == "2.5"
    assert text(Decimal("-0.000")) == "0" and text(Decimal(0)) == "0"
    assert text(scaled(-1, 6)) == "-0.000001"
    assert text(None) is None


@exact_decimals
def exact_total(*amounts: int) -> str:
    return text(sum((tokens(a) for a in amounts), Decimal(0)))


def test_exact_decimals_keep_every_digit_of_uint256_amounts_and_sums() -> None:
    # 2**256-1 with the decimal point 18 digits from the end, and twice that plus one unit.
    assert exact_total(UINT256_MAX) == "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    assert exact_total(UINT256_MAX, UINT256_MAX, 1) == \
        "231584178474632390847141970017375815706539969331281128078915.168015826259279871"
    # Without it, Python's 28 digits round the amount itself.
    assert text(tokens(UINT256_MAX)) == "115792089237316195423570985000000000000000000000000000000000"


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (Decimal(1), Decimal(4), 0.25), (Decimal(3), Decimal(2), 1.5), (Decimal(1), Decimal(0), None),
    (None, Decimal(1), None), (Decimal(1), None, None),
])
def test_a_ratio_is_a_decimal_or_none_when_undefined(numerator, denominator, expected) -> None:
    assert ratio(numerator, denominator) == expected


def test_revenue_share_is_revenue_over_revenue_plus_subsidy() -> None:
    assert share(Decimal(30), Decimal(90)) == 0.25
    assert share(Decimal(5), Decimal(0)) == 1.0
    assert share(Decimal(0), Decimal(0)) is None
