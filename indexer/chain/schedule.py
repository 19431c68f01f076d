"""The emission schedule of `contracts/emission_schedule.vy`, in Python integers, step for step.

Anyone checking an epoch needs its emission without asking the chain for historical state (an archive node):
the schedule is a pure function of the manifest's parameters, so it is recomputed here with the contract's own
arithmetic (floor division, the same cap), and a chain test holds the two equal epoch by epoch.
"""

from __future__ import annotations

from collections.abc import Mapping

BPS = 10_000


def emission(parameters: Mapping[str, int], epoch: int) -> int:
    """Network-token base units the schedule allows for `epoch`: `emission(epoch)` of the contract."""
    rate, before = _walk(parameters, epoch)
    max_supply = parameters["max_supply"]
    return min(rate, max_supply - min(before, max_supply))


def _walk(parameters: Mapping[str, int], epoch: int) -> tuple[int, int]:
    """The rate of `epoch` and the capped scheduled emission of every epoch before it."""
    rate, total = parameters["initial_emission"], 0
    period, max_supply = parameters["decay_period"], parameters["max_supply"]
    decays = epoch // period
    for _ in range(decays):
        if rate == 0 or total >= max_supply:
            return 0, total
        total = min(total + rate * period, max_supply)
        rate = rate * (BPS - parameters["decay_bps"]) // BPS
    return rate, min(total + rate * (epoch - decays * period), max_supply)
