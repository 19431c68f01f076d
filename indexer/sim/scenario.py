"""Scenario knobs for `flywheel simulate`, with defaults that tell the whole flywheel story.

Demand is scaled to the deployment's own subsidy: at epoch 0 customers pay
`start_demand_vs_subsidy` times the epoch's subsidy in USD, growing on a
logistic curve towards `peak_demand_vs_subsidy` times it, so revenue crosses
subsidy somewhere in the middle whatever the emission parameters are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path

from indexer import userfiles
from indexer.errors import FlywheelError


@dataclass(frozen=True)
class Scenario:
    contributors: int = 200  # contributors who have joined by the end of the adoption curve
    initial_contributors: int = 6  # already there in epoch 0
    adoption_midpoint: float = 14.0  # epoch at which half of them have joined
    adoption_steepness: float = 0.25
    max_nodes_per_contributor: int = 3
    churn_bps: int = 80  # chance per node per epoch that it retires, in basis points
    work_per_node_min: int = 80  # work units a node reports per epoch, drawn uniformly
    work_per_node_max: int = 120
    customers: int = 50  # customers who have arrived by the end of the demand curve
    start_demand_vs_subsidy: float = 0.01
    peak_demand_vs_subsidy: float = 2.5
    demand_midpoint: float = 24.0
    demand_steepness: float = 0.22
    max_payments_per_customer: int = 3  # per epoch
    initial_price: str = "0.50"  # USD per whole network token
    price_drift_bps: int = 60  # mean price change per epoch
    price_volatility_bps: int = 500  # standard deviation of the change per epoch
    claim_every: int = 4  # contributors claim every this many epochs
    wash_self_dealers: int = 2  # contributors who also pay for service themselves
    wash_funded: int = 2  # outsiders who pay with money a contributor sent them
    wash_share_bps: int = 600  # share of each epoch's demand the wash actors add

    def initial_price_units(self) -> int:
        """The price in the feed's 8 decimals, exactly."""
        return int(Decimal(self.initial_price) * 10**8)


def _check(s: Scenario) -> Scenario:
    rules = [
        (s.contributors >= 1, "contributors must be at least 1"),
        (1 <= s.initial_contributors <= s.contributors, "initial_contributors must be between 1 and contributors"),
        (s.max_nodes_per_contributor >= 1, "max_nodes_per_contributor must be at least 1"),
        (0 <= s.churn_bps <= 10_000, "churn_bps must be between 0 and 10000"),
        (1 <= s.work_per_node_min <= s.work_per_node_max, "work_per_node_min must be between 1 and work_per_node_max"),
        (s.customers >= 1, "customers must be at least 1"),
        (s.start_demand_vs_subsidy >= 0 and s.peak_demand_vs_subsidy >= s.start_demand_vs_subsidy,
         "demand ratios must satisfy 0 <= start_demand_vs_subsidy <= peak_demand_vs_subsidy"),
        (s.adoption_steepness > 0 and s.demand_steepness > 0, "steepness values must be positive"),
        (s.max_payments_per_customer >= 1, "max_payments_per_customer must be at least 1"),
        (s.claim_every >= 1, "claim_every must be at least 1"),
        (0 <= s.wash_self_dealers <= s.initial_contributors, "wash_self_dealers must be between 0 and initial_contributors"),
        (0 <= s.wash_funded <= s.initial_contributors, "wash_funded must be between 0 and initial_contributors"),
        (0 <= s.wash_share_bps <= 10_000, "wash_share_bps must be between 0 and 10000"),
        (0 <= s.price_volatility_bps <= 5_000 and -5_000 <= s.price_drift_bps <= 5_000, "price drift and volatility must be within 5000 bps"),
    ]
    try:
        price_ok = Decimal(s.initial_price) > 0 and s.initial_price_units() > 0
    except InvalidOperation:
        price_ok = False
    rules.append((price_ok, f"initial_price must be a positive decimal, not {s.initial_price!r}"))
    for ok, message in rules:
        if not ok:
            raise FlywheelError(f"scenario: {message}")
    return s


def parse(data: dict) -> Scenario:
    types = {f.name: f.type for f in fields(Scenario)}
    values: dict[str, object] = {}
    for key, value in data.items():
        if key not in types:
            raise FlywheelError(f"scenario: unknown key {key!r} (known: {', '.join(sorted(types))})")
        expected = types[key]
        if expected == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            raise FlywheelError(f"scenario: {key} must be an integer")
        if expected == "float" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise FlywheelError(f"scenario: {key} must be a number")
        if expected == "str":
            value = str(value)
        values[key] = float(value) if expected == "float" else value
    return _check(dataclasses.replace(Scenario(), **values))


def load(path: Path | None) -> Scenario:
    if path is None:
        return Scenario()
    return parse(userfiles.toml(path, "scenario"))
