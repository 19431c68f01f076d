# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Emission schedule
@notice The subsidy schedule of the spec, defined by iteration:
        `rate_0 = initial_emission`; at each epoch `e > 0` with
        `e % decay_period == 0`, `rate = rate * (10000 - decay_bps) // 10000`;
        `emission(e) = rate_e`, capped so that the scheduled total never
        exceeds `max_supply`.
@dev Because rates are never negative, the capped sum of the epochs
     before `e` equals `min(max_supply, sum of rates before e)`. That lets
     the view walk the schedule one decay segment at a time, while the
     distributor advances it one epoch at a time in O(1).
"""

import epoch_clock

BPS: constant(uint256) = 10_000
# Epoch indices are bounded so that every walk over the schedule is bounded. The bound is
# the clock's; it is named here too because the distributor reads it through this module.
MAX_EPOCHS: constant(uint256) = epoch_clock.MAX_EPOCHS
# Amounts are packed into 112-bit fields by the distributor.
MAX_AMOUNT: constant(uint256) = 2**112 - 1

INITIAL_EMISSION: public(immutable(uint256))
DECAY_BPS: public(immutable(uint256))
DECAY_PERIOD: public(immutable(uint256))
MAX_SUPPLY: public(immutable(uint256))


@deploy
def __init__(initial_emission: uint256, decay_bps: uint256, decay_period: uint256, max_supply: uint256):
    assert decay_bps <= BPS, "schedule: decay over 10000 bps"
    assert decay_period > 0, "schedule: zero decay period"
    assert max_supply > 0 and max_supply <= MAX_AMOUNT, "schedule: max supply out of range"
    assert initial_emission <= max_supply, "schedule: initial emission over max supply"
    INITIAL_EMISSION = initial_emission
    DECAY_BPS = decay_bps
    DECAY_PERIOD = decay_period
    MAX_SUPPLY = max_supply


@internal
@view
def _decayed(rate: uint256) -> uint256:
    return rate * (BPS - DECAY_BPS) // BPS


@internal
@view
def _next_rate(rate: uint256, epoch: uint256) -> uint256:
    """
    @dev The rate of `epoch` given the rate of `epoch - 1`.
    """
    if epoch > 0 and epoch % DECAY_PERIOD == 0:
        return self._decayed(rate)
    return rate


@internal
@pure
def _capped(rate: uint256, scheduled_before: uint256, max_supply: uint256) -> uint256:
    return min(rate, max_supply - min(scheduled_before, max_supply))


@internal
@view
def _walk(epoch: uint256) -> (uint256, uint256):
    """
    @dev Returns the rate of `epoch` and the capped scheduled emission
         of all epochs before it.
    """
    assert epoch < MAX_EPOCHS, "schedule: epoch out of range"
    rate: uint256 = INITIAL_EMISSION
    total: uint256 = 0
    decays: uint256 = epoch // DECAY_PERIOD
    for _: uint256 in range(decays, bound=MAX_EPOCHS):
        if rate == 0 or total >= MAX_SUPPLY:
            # Nothing more can be emitted, so the walk can stop early.
            return 0, total
        total = min(total + rate * DECAY_PERIOD, MAX_SUPPLY)
        rate = self._decayed(rate)
    total = min(total + rate * (epoch - decays * DECAY_PERIOD), MAX_SUPPLY)
    return rate, total


@internal
@view
def _emission(epoch: uint256) -> uint256:
    rate: uint256 = 0
    before: uint256 = 0
    rate, before = self._walk(epoch)
    return self._capped(rate, before, MAX_SUPPLY)


@external
@view
def emission(epoch: uint256) -> uint256:
    """
    @notice The network-token units the schedule allows for `epoch`.
    @param epoch The epoch index.
    @return uint256 The emission in base units (18 decimals).
    """
    return self._emission(epoch)
