"""Split an epoch's totals pro rata to work units, exactly, in integers.

Largest-remainder apportionment: everyone gets `floor(total * w / W)`, and the
units left over go one each to the largest fractional remainders, ties broken
by lower-case address so the result never depends on input order.
"""

from __future__ import annotations

from collections.abc import Mapping


def allocate(total: int, work: Mapping[str, int]) -> dict[str, int]:
    if total < 0:
        raise ValueError("total must not be negative")
    if any(w <= 0 for w in work.values()):
        raise ValueError("work units must be positive")
    weight = sum(work.values())
    if weight == 0:
        return {}
    shares: dict[str, int] = {}
    remainders: list[tuple[int, str]] = []
    for account, units in work.items():
        quotient, remainder = divmod(total * units, weight)
        shares[account] = quotient
        remainders.append((remainder, account))
    left = total - sum(shares.values())
    # Largest remainder first; equal remainders go to the lower address first.
    remainders.sort(key=lambda r: (-r[0], r[1].lower()))
    for _, account in remainders[:left]:
        shares[account] += 1
    return shares
