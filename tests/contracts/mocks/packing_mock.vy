# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title `packing` Module Reference Implementation
@notice Wraps every getter and packer of `contracts/packing.vy` in an
        external function of the same name without the leading
        underscore, and publishes the field bounds, so that tests can
        call them.
"""

from contracts import packing


MAX_SCHEDULE_EPOCH: public(constant(uint256)) = packing.MAX_SCHEDULE_EPOCH
MAX_SCHEDULE_AMOUNT: public(constant(uint256)) = packing.MAX_SCHEDULE_AMOUNT
MAX_LEDGER_TIME: public(constant(uint256)) = packing.MAX_LEDGER_TIME
MAX_LEDGER_AMOUNT: public(constant(uint256)) = packing.MAX_LEDGER_AMOUNT
MAX_PAIR_AMOUNT: public(constant(uint256)) = packing.MAX_PAIR_AMOUNT


@external
@pure
def schedule_next_epoch(schedule: uint256) -> uint256:
    """
    @dev Wraps `packing._schedule_next_epoch`.
    @param schedule The 32-byte schedule word.
    @return uint256 The next epoch field.
    """
    return packing._schedule_next_epoch(schedule)


@external
@pure
def schedule_rate(schedule: uint256) -> uint256:
    """
    @dev Wraps `packing._schedule_rate`.
    @param schedule The 32-byte schedule word.
    @return uint256 The rate field.
    """
    return packing._schedule_rate(schedule)


@external
@pure
def schedule_total(schedule: uint256) -> uint256:
    """
    @dev Wraps `packing._schedule_total`.
    @param schedule The 32-byte schedule word.
    @return uint256 The scheduled total field.
    """
    return packing._schedule_total(schedule)


@external
@pure
def pack_schedule(total: uint256, rate: uint256, next_epoch: uint256) -> uint256:
    """
    @dev Wraps `packing._pack_schedule`.
    @param total The scheduled total.
    @param rate The rate.
    @param next_epoch The next epoch.
    @return uint256 The 32-byte schedule word.
    """
    return packing._pack_schedule(total, rate, next_epoch)


@external
@pure
def ledger_posted_at(ledger: uint256) -> uint256:
    """
    @dev Wraps `packing._ledger_posted_at`.
    @param ledger The 32-byte ledger word.
    @return uint256 The root posted at field.
    """
    return packing._ledger_posted_at(ledger)


@external
@pure
def ledger_carry(ledger: uint256) -> uint256:
    """
    @dev Wraps `packing._ledger_carry`.
    @param ledger The 32-byte ledger word.
    @return uint256 The carry field.
    """
    return packing._ledger_carry(ledger)


@external
@pure
def ledger_revenue_finalized(ledger: uint256) -> uint256:
    """
    @dev Wraps `packing._ledger_revenue_finalized`.
    @param ledger The 32-byte ledger word.
    @return uint256 The revenue finalized field.
    """
    return packing._ledger_revenue_finalized(ledger)


@external
@pure
def pack_ledger(revenue_finalized: uint256, carry: uint256, posted_at: uint256) -> uint256:
    """
    @dev Wraps `packing._pack_ledger`.
    @param revenue_finalized The revenue finalized.
    @param carry The carry.
    @param posted_at The root posting time.
    @return uint256 The 32-byte ledger word.
    """
    return packing._pack_ledger(revenue_finalized, carry, posted_at)


@external
@pure
def pair_subsidy(pair: uint256) -> uint256:
    """
    @dev Wraps `packing._pair_subsidy`.
    @param pair The 32-byte pair word.
    @return uint256 The subsidy field.
    """
    return packing._pair_subsidy(pair)


@external
@pure
def pair_revenue(pair: uint256) -> uint256:
    """
    @dev Wraps `packing._pair_revenue`.
    @param pair The 32-byte pair word.
    @return uint256 The revenue field.
    """
    return packing._pair_revenue(pair)


@external
@pure
def pack_pair(subsidy: uint256, revenue: uint256) -> uint256:
    """
    @dev Wraps `packing._pack_pair`.
    @param subsidy The subsidy.
    @param revenue The revenue.
    @return uint256 The 32-byte pair word.
    """
    return packing._pack_pair(subsidy, revenue)
