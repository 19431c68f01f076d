"""Exact money arithmetic for reports: integers in, Decimals through; `columns` rounds each quotient once, on output."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import TypeVar

F = TypeVar("F", bound=Callable)

TOKEN_DECIMALS = 18
PRICE_DECIMALS = 8


def exact_decimals(fn: F) -> F:
    """Run `fn` with enough Decimal digits that sums and products of uint256 amounts never round."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with localcontext() as ctx:
            ctx.prec = 160
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def scaled(units: int | None, decimals: int) -> Decimal | None:
    """An integer amount of base units as an exact Decimal of whole units."""
    if units is None:
        return None
    return Decimal(int(units)).scaleb(-decimals)


def tokens(units: int | None) -> Decimal | None:
    return scaled(units, TOKEN_DECIMALS)


def price_usd(price: int | None) -> Decimal | None:
    return scaled(price, PRICE_DECIMALS)


def text(value: Decimal | None) -> str | None:
    """An exact decimal string: no exponent, no trailing zeros after the point."""
    if value is None:
        return None
    s = format(value, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """A ratio, or None when it is undefined; `indexer.reports.columns` rounds it once, on output."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def share(revenue: Decimal, subsidy: Decimal) -> Decimal | None:
    return ratio(revenue, revenue + subsidy)
