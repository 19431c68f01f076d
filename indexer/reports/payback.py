"""Hardware payback at the realised reward rate of a node, under price scenarios.

A node's reward per epoch at token price `p` is `tokens_per_node * p +
revenue_per_node`, both taken from the network's last epochs (per active
node). Payback is the hardware cost over that reward less the running cost;
the break-even price is the price at which the reward just covers the
running cost, below which the node never pays back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indexer.errors import FlywheelError
from indexer.reports.numbers import price_usd, scaled, text, tokens
from indexer.reports.realyield import EpochFacts

SCENARIOS = (("price -50%", Decimal("0.5")), ("price -25%", Decimal("0.75")), ("current price", Decimal(1)), ("price +25%", Decimal("1.25")))
# Beyond this many epochs a payback is reported as never.
HORIZON = 100_000


@dataclass(frozen=True)
class NodeRate:
    epochs: int
    tokens_per_node: Decimal  # network tokens a node earns per epoch
    revenue_per_node: Decimal  # USD a node earns per epoch from revenue
    price: Decimal  # the latest epoch's price, USD per token


def node_rate(facts: list[EpochFacts], decimals: int, window: int) -> NodeRate:
    recent = [f for f in sorted(facts, key=lambda f: f.epoch) if f.active_nodes > 0][-window:]
    if not recent:
        raise FlywheelError("no finalized epoch with active nodes: nothing to compute a payback from")
    node_epochs = sum(f.active_nodes for f in recent)
    return NodeRate(
        epochs=len(recent),
        tokens_per_node=sum(tokens(f.subsidy) for f in recent) / node_epochs,
        revenue_per_node=sum(scaled(f.revenue, decimals) for f in recent) / node_epochs,
        price=price_usd(recent[-1].price),
    )


def payback_epochs(hardware_cost: Decimal, opex: Decimal, rate: NodeRate, prices: list[Decimal]) -> Decimal | None:
    """Epochs until the cumulative margin covers the hardware; the last price holds past the path."""
    if not prices:
        return None
    margin_at = [rate.tokens_per_node * p + rate.revenue_per_node - opex for p in prices]
    if len(prices) == 1:
        return hardware_cost / margin_at[0] if margin_at[0] > 0 else None
    covered = Decimal(0)
    for epoch in range(HORIZON):
        margin = margin_at[min(epoch, len(margin_at) - 1)]
        if epoch >= len(margin_at) and margin <= 0:
            return None
        if covered + margin >= hardware_cost and margin > 0:
            return Decimal(epoch) + (hardware_cost - covered) / margin
        covered += margin
    return None


def break_even_price(opex: Decimal, rate: NodeRate) -> Decimal | None:
    if rate.tokens_per_node == 0:
        return None if rate.revenue_per_node < opex else Decimal(0)
    return max(Decimal(0), (opex - rate.revenue_per_node) / rate.tokens_per_node)


def scenario_rows(hardware_cost: Decimal, opex: Decimal, rate: NodeRate, path: list[Decimal] | None, epoch_length: int) -> list[dict]:
    cases = [(name, [rate.price * factor]) for name, factor in SCENARIOS]
    if path:
        cases.append(("price path", path))
    rows = []
    for name, prices in cases:
        epochs = payback_epochs(hardware_cost, opex, rate, prices)
        first = prices[0]
        rows.append({
            "scenario": name,
            "price_usd": text(first),
            "reward_per_node_per_epoch_usd": text(rate.tokens_per_node * first + rate.revenue_per_node),
            "margin_per_epoch_usd": text(rate.tokens_per_node * first + rate.revenue_per_node - opex),
            "payback_epochs": float(epochs) if epochs is not None else None,
            "payback_days": float(epochs * epoch_length / 86400) if epochs is not None else None,
        })
    return rows
