"""The simulator's curves without a chain: the logistic ramp that drives adoption and demand, and the
scenario's price in the feed's units."""

from __future__ import annotations

import math

import pytest

from indexer.sim.run import _ramp
from indexer.sim.scenario import Scenario

# With steepness * midpoint = ln 3 the raw logistic is 1/4 at epoch 0, 1/2 at the midpoint and 3/4 at twice
# the midpoint, so the ramp (scaled to run from 0 to 1) is 0, (1/2 - 1/4)/(3/4) = 1/3 and (3/4 - 1/4)/(3/4) = 2/3.
MIDPOINT = 2.0
STEEPNESS = math.log(3) / MIDPOINT


@pytest.mark.parametrize(("epoch", "expected"), [(0, 0.0), (2, 1 / 3), (4, 2 / 3)])
def test_the_ramp_starts_at_zero_and_passes_hand_computed_points(epoch: int, expected: float) -> None:
    assert _ramp(epoch, MIDPOINT, STEEPNESS) == pytest.approx(expected, abs=1e-12)


def test_the_ramp_rises_every_epoch_towards_one() -> None:
    s = Scenario()
    for midpoint, steepness in ((s.adoption_midpoint, s.adoption_steepness), (s.demand_midpoint, s.demand_steepness)):
        values = [_ramp(e, midpoint, steepness) for e in range(200)]
        assert values[0] == 0.0
        # Strictly rising over the years a simulation runs; floats then settle just under 1.
        assert all(a < b for a, b in zip(values[:120], values[1:120]))
        assert all(a <= b for a, b in zip(values, values[1:]))
        assert 0.999 < values[-1] <= 1.0


def test_a_later_midpoint_delays_the_ramp() -> None:
    assert _ramp(10, 10.0, 0.25) < _ramp(10, 5.0, 0.25)
    # A steeper ramp is lower before its midpoint and higher after it.
    assert _ramp(5, 10.0, 0.5) < _ramp(5, 10.0, 0.25) and _ramp(15, 10.0, 0.5) > _ramp(15, 10.0, 0.25)


@pytest.mark.parametrize(("price", "units"), [("0.50", 50_000_000), ("1", 100_000_000), ("12.34567891", 1_234_567_891),
                                              ("0.00000001", 1)])
def test_the_initial_price_is_exact_in_the_feeds_eight_decimals(price: str, units: int) -> None:
    assert Scenario(initial_price=price).initial_price_units() == units
