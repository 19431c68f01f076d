"""Hardware payback at the realised reward rate of a node, under price scenarios.

A node's reward per epoch at token price `p` is `tokens_per_node * p +
revenue_per_node`, both taken from the network's last epochs (per active
node). Payback is the hardware cost over that reward less the running cost;
the break-even price is the price at which the reward just covers the
running cost, below which the node never pays back.

A price path is a step function over future epochs, not a list read in order:
the row `60,0.5` means the current price until epoch 59 and 0.5 from 60 on,
which pays back differently from `52,0.5` (0.5 from the next epoch on).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indexer.errors import FlywheelError
from indexer.reports.columns import display
from indexer.reports.numbers import price_usd, scaled, tokens
from indexer.reports.realyield import EpochFacts

SECONDS_PER_DAY = 86400

SCENARIOS = (("price -50%", Decimal("0.5")), ("price -25%", Decimal("0.75")), ("current price", Decimal(1)), ("price +25%", Decimal("1.25")))


@dataclass(frozen=True)
class PricePoint:
    """A row of a price path: from `epoch` on (until the next row), the token is worth `price` USD."""

    epoch: int
    price: Decimal
    line: int  # where it is in its file, for refusals


@dataclass(frozen=True)
class NodeRate:
    epochs: int
    tokens_per_node: Decimal  # network tokens a node earns per epoch
    revenue_per_node: Decimal  # USD a node earns per epoch from revenue
    price: Decimal  # the latest epoch's price, USD per token
    last_epoch: int  # the latest finalized epoch: payback counts from the one after it


def node_rate(facts: list[EpochFacts], decimals: int, window: int) -> NodeRate:
    ordered = sorted(facts, key=lambda f: f.epoch)
    recent = [f for f in ordered if f.active_nodes > 0][-window:]
    if not recent:
        raise FlywheelError("no finalized epoch with active nodes: nothing to compute a payback from")
    node_epochs = sum(f.active_nodes for f in recent)
    return NodeRate(
        epochs=len(recent),
        tokens_per_node=sum(tokens(f.subsidy) for f in recent) / node_epochs,
        revenue_per_node=sum(scaled(f.revenue, decimals) for f in recent) / node_epochs,
        price=price_usd(ordered[-1].price),
        last_epoch=ordered[-1].epoch,
    )


def steps(rate: NodeRate, path: list[PricePoint]) -> list[tuple[int, Decimal]]:
    """The price path as (epochs from now, price) steps: the current price holds until the path's first epoch,
    each price until the next row, and the last one after it. Refuses a path that does not lie in the future."""
    if path and path[0].epoch <= rate.last_epoch:
        raise FlywheelError(f"price path line {path[0].line}: epoch {path[0].epoch} is not in the future "
                            f"(epoch {rate.last_epoch} is already finalized); start at epoch {rate.last_epoch + 1} or later")
    start = rate.last_epoch + 1
    out = [] if path and path[0].epoch == start else [(0, rate.price)]
    return out + [(p.epoch - start, p.price) for p in path]


def payback_epochs(hardware_cost: Decimal, opex: Decimal, rate: NodeRate, prices: list[tuple[int, Decimal]]) -> Decimal | None:
    """Epochs until the cumulative margin covers the hardware, or None when it never does; losses while the
    margin is negative must be earned back too."""
    covered = Decimal(0)
    for i, (start, price) in enumerate(prices):
        margin = rate.tokens_per_node * price + rate.revenue_per_node - opex
        end = prices[i + 1][0] if i + 1 < len(prices) else None
        need = hardware_cost - covered
        if margin > 0 and (end is None or need <= margin * (end - start)):
            return start + max(need, Decimal(0)) / margin
        if end is None:
            return None
        covered += margin * (end - start)
    return None


def break_even_price(opex: Decimal, rate: NodeRate) -> Decimal | None:
    if rate.tokens_per_node == 0:
        return None if rate.revenue_per_node < opex else Decimal(0)
    return max(Decimal(0), (opex - rate.revenue_per_node) / rate.tokens_per_node)


def _path_words(prices: list[tuple[int, Decimal]], first_epoch: int) -> str:
    """The price at each epoch a path covers, as `52-59: $0.8341; 60+: $0.5`."""
    parts = []
    for i, (start, price) in enumerate(prices):
        begin = first_epoch + start
        span = f"{begin}+" if i + 1 == len(prices) else f"{begin}-{first_epoch + prices[i + 1][0] - 1}"
        parts.append(f"{span}: {display('price_usd', price)}")
    return "; ".join(parts)


def scenario_rows(hardware_cost: Decimal, opex: Decimal, rate: NodeRate, path: list[PricePoint] | None, epoch_length: int) -> list[dict]:
    cases = [(name, [(0, rate.price * factor)], None) for name, factor in SCENARIOS]
    if path:
        prices = steps(rate, path)
        cases.append(("price path", prices, _path_words(prices, rate.last_epoch + 1)))
    rows = []
    for name, prices, words in cases:
        epochs = payback_epochs(hardware_cost, opex, rate, prices)
        first = prices[0][1]
        reward = rate.tokens_per_node * first + rate.revenue_per_node
        rows.append({
            "scenario": name,
            "price_usd": first,
            "reward_per_node_per_epoch_usd": reward,
            "margin_per_epoch_usd": reward - opex,
            "payback_epochs": epochs,
            "payback_days": None if epochs is None else epochs * epoch_length / SECONDS_PER_DAY,
            "prices_by_epoch": words,
        })
    return rows
