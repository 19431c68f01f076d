"""How concentrated rewards are: the top-10% share and the Gini coefficient."""

from __future__ import annotations

import math
from decimal import Decimal


def top_share(values: list[Decimal], fraction: float = 0.10) -> Decimal | None:
    total = sum(values, Decimal(0))
    if not values or total == 0:
        return None
    k = max(1, math.ceil(len(values) * fraction))
    return sum(sorted(values, reverse=True)[:k], Decimal(0)) / total


def gini(values: list[Decimal]) -> Decimal | None:
    """0 when everyone has the same, approaching 1 when one account has everything."""
    n = len(values)
    total = sum(values, Decimal(0))
    if n == 0 or total == 0:
        return None
    ordered = sorted(values)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - Decimal(n + 1) / n
