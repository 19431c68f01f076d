"""Amounts (and times) as people write and read them, converted exactly to and from base units.

The command line takes human units (USD for the payment token, tokens for
the network token, USD for a price) and shows them back the same way, with
the unit's name. Conversion is decimal-string to integer and back, never
through a float, so `--amount 0.1` is exactly 100000 units of a 6-decimal
stablecoin and a uint256 prints to its last digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from indexer.errors import FlywheelError

MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class Unit:
    name: str  # what a person calls it: "USD", "FLY"
    decimals: int

    def parse(self, text: str, what: str) -> int:
        """`text` (e.g. "12.5") in base units; positive, and no finer than the unit allows."""
        try:
            value = Decimal(text.strip().replace("_", ""))
        except InvalidOperation:
            raise FlywheelError(f"{what} must be a number of {self.name}, not {text!r}") from None
        if not value.is_finite() or value <= 0:
            raise FlywheelError(f"{what} must be a positive number of {self.name}, not {text!r}")
        base = value.scaleb(self.decimals)
        if base != base.to_integral_value():
            raise FlywheelError(f"{what} has more than {self.decimals} decimals: {text!r}")
        if base > MAX_UINT256:
            raise FlywheelError(f"{what} is too large: {text!r}")
        return int(base)

    def plain(self, base: int, group: str = "") -> str:
        """Base units as an exact decimal string ("1234.5"), no trailing zeros; `group=","` groups thousands."""
        whole, frac = divmod(abs(base), 10**self.decimals)
        sign = "-" if base < 0 else ""
        digits = f"{frac:0{self.decimals}d}".rstrip("0") if self.decimals else ""
        return f"{sign}{whole:{group}}{'.' + digits if digits else ''}"

    def show(self, base: int) -> str:
        """Base units as "1,234.5 USD": grouped, exact, with the unit's name."""
        return f"{self.plain(base, ',')} {self.name}"


NETWORK_TOKEN_DECIMALS = 18
PRICE = Unit("USD", 8)  # a price: USD per whole network token, Chainlink's 8 decimals


def iso(t: int) -> str:
    """A chain timestamp (Unix seconds) as ISO 8601 UTC."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
