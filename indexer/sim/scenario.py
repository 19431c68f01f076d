"""Scenario knobs for `flywheel simulate`, with defaults that tell the whole flywheel story.

Demand is scaled to the deployment's own subsidy: at epoch 0 customers pay
`start_demand_vs_subsidy` times the epoch's subsidy in USD, growing on a
logistic curve towards `peak_demand_vs_subsidy` times it, so revenue crosses
subsidy somewhere in the middle whatever the emission parameters are.

Each node is steady, idle or flaky for life, drawn when it registers: an idle node
(`idle_node_share` of them) is registered but never reports work, so it never appears in a
work file; a flaky one (`flaky_node_share`) reports its usual draw scaled by a factor drawn
every epoch from U(1 - `flaky_work_spread`, 1 + `flaky_work_spread`), and nothing in the
epochs the factor falls to zero or below.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from indexer import structs, userfiles
from indexer.errors import FlywheelError

AtLeast1 = Annotated[int, Meta(ge=1)]
NotNegative = Annotated[int, Meta(ge=0)]
BPS = Annotated[int, Meta(ge=0, le=10_000)]
Positive = Annotated[float, Meta(gt=0)]
Share = Annotated[float, Meta(ge=0, le=1)]


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    contributors: AtLeast1 = 200  # contributors who have joined by the end of the adoption curve
    initial_contributors: AtLeast1 = 6  # already there in epoch 0; at most contributors
    adoption_midpoint: float = 14.0  # epoch at which half of them have joined
    adoption_steepness: Positive = 0.25
    max_nodes_per_contributor: AtLeast1 = 3
    churn_bps: BPS = 80  # chance per node per epoch that it retires, in basis points
    work_per_node_min: AtLeast1 = 80  # work units a node reports per epoch, drawn uniformly
    work_per_node_max: AtLeast1 = 120
    idle_node_share: Annotated[float, Meta(ge=0, lt=1)] = 0.05  # registered nodes that never report work
    flaky_node_share: Share = 0.10  # nodes whose work swings from epoch to epoch; with idle_node_share at most 1
    flaky_work_spread: Annotated[float, Meta(ge=0)] = 1.5  # a flaky node's work is scaled by U(1 - s, 1 + s), zero below 0
    customers: AtLeast1 = 50  # customers who have arrived by the end of the demand curve
    start_demand_vs_subsidy: Annotated[float, Meta(ge=0)] = 0.01
    peak_demand_vs_subsidy: float = 2.5  # at least start_demand_vs_subsidy
    demand_midpoint: float = 24.0
    demand_steepness: Positive = 0.22
    max_payments_per_customer: AtLeast1 = 3  # per epoch
    initial_price: str = "0.50"  # USD per whole network token; a number in the file is read as its text
    price_drift_bps: Annotated[int, Meta(ge=-5_000, le=5_000)] = 60  # mean price change per epoch
    price_volatility_bps: Annotated[int, Meta(ge=0, le=5_000)] = 500  # standard deviation of the change per epoch
    claim_every: AtLeast1 = 4  # contributors claim every this many epochs
    claim_share: Share = 0.8  # contributors who ever claim (chosen by address); the others' rewards stay owed
    wash_self_dealers: NotNegative = 2  # contributors who also pay for service themselves; at most initial_contributors
    wash_funded: NotNegative = 2  # outsiders who pay with money a contributor sent them; at most initial_contributors
    wash_share_bps: BPS = 600  # share of each epoch's demand the wash actors add

    def initial_price_units(self) -> int:
        """The price in the feed's 8 decimals, exactly."""
        return int(Decimal(self.initial_price) * 10**8)


def _check(s: Scenario) -> Scenario:
    """The rules between fields; each field's own bounds are on it."""
    rules = [
        (s.initial_contributors <= s.contributors, "initial_contributors must be between 1 and contributors"),
        (s.work_per_node_min <= s.work_per_node_max, "work_per_node_min must be between 1 and work_per_node_max"),
        (s.idle_node_share + s.flaky_node_share <= 1, "idle_node_share and flaky_node_share must add up to at most 1"),
        (s.peak_demand_vs_subsidy >= s.start_demand_vs_subsidy,
         "demand ratios must satisfy 0 <= start_demand_vs_subsidy <= peak_demand_vs_subsidy"),
        (s.wash_self_dealers <= s.initial_contributors, "wash_self_dealers must be between 0 and initial_contributors"),
        (s.wash_funded <= s.initial_contributors, "wash_funded must be between 0 and initial_contributors"),
    ]
    try:
        price_ok = Decimal(s.initial_price) > 0 and s.initial_price_units() > 0
    except ArithmeticError:  # not a number, NaN or infinite
        price_ok = False
    rules.append((price_ok, f"initial_price must be a positive decimal, not {s.initial_price!r}"))
    for ok, message in rules:
        if not ok:
            raise FlywheelError(f"scenario: {message}")
    return s


def parse(data: dict) -> Scenario:
    price = data.get("initial_price")
    if isinstance(price, (int, float)):
        data = {**data, "initial_price": str(price)}
    return _check(structs.convert(data, Scenario, "scenario"))


def load(path: Path | None) -> Scenario:
    if path is None:
        return Scenario()
    return parse(userfiles.toml(path, "scenario"))
