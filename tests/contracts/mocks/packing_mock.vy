# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title `packing` Module Reference Implementation
@notice Wraps every getter and packer of `contracts/packing.vy` in an
        external function of the same name without the leading
        underscore, and publishes the field bounds and the state flags,
        so that tests can call them.
"""

from contracts import packing


MAX_AMOUNT: public(constant(uint256)) = packing.MAX_AMOUNT
MAX_TIME: public(constant(uint256)) = packing.MAX_TIME
MAX_FLAGS: public(constant(uint256)) = packing.MAX_FLAGS
MAX_PAIR_AMOUNT: public(constant(uint256)) = packing.MAX_PAIR_AMOUNT
LATEST_ROOT_FLAG: public(constant(uint256)) = packing.LATEST_ROOT_FLAG
CLAIMS_PAUSED_FLAG: public(constant(uint256)) = packing.CLAIMS_PAUSED_FLAG
FINALIZATION_PAUSED_FLAG: public(constant(uint256)) = packing.FINALIZATION_PAUSED_FLAG
PAUSE_FLAGS: public(constant(uint256)) = packing.PAUSE_FLAGS


@external
@pure
def high(word: uint256) -> uint256:
    """
    @dev Wraps `packing._high`.
    @param word The 32-byte 104-104-40-8 word.
    @return uint256 The top amount field.
    """
    return packing._high(word)


@external
@pure
def low(word: uint256) -> uint256:
    """
    @dev Wraps `packing._low`.
    @param word The 32-byte 104-104-40-8 word.
    @return uint256 The second amount field.
    """
    return packing._low(word)


@external
@pure
def time(word: uint256) -> uint256:
    """
    @dev Wraps `packing._time`.
    @param word The 32-byte 104-104-40-8 word.
    @return uint256 The 40-bit field.
    """
    return packing._time(word)


@external
@pure
def flags(word: uint256) -> uint256:
    """
    @dev Wraps `packing._flags`.
    @param word The 32-byte 104-104-40-8 word.
    @return uint256 The low 8-bit field.
    """
    return packing._flags(word)


@external
@pure
def pack(high: uint256, low: uint256, time: uint256, flags: uint256) -> uint256:
    """
    @dev Wraps `packing._pack`.
    @param high The top amount.
    @param low The second amount.
    @param time The 40-bit field.
    @param flags The low 8 bits.
    @return uint256 The 32-byte 104-104-40-8 word.
    """
    return packing._pack(high, low, time, flags)


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
def schedule_rate(schedule: uint256) -> uint256:
    """
    @dev Wraps `packing._schedule_rate`.
    @param schedule The 32-byte schedule word.
    @return uint256 The rate field.
    """
    return packing._schedule_rate(schedule)


@external
@pure
def schedule_epoch(schedule: uint256) -> uint256:
    """
    @dev Wraps `packing._schedule_epoch`.
    @param schedule The 32-byte schedule word.
    @return uint256 The epoch field.
    """
    return packing._schedule_epoch(schedule)


@external
@pure
def schedule_pending(schedule: uint256) -> uint256:
    """
    @dev Wraps `packing._schedule_pending`.
    @param schedule The 32-byte schedule word.
    @return uint256 The pending epochs field.
    """
    return packing._schedule_pending(schedule)


@external
@pure
def state_subsidy(state: uint256) -> uint256:
    """
    @dev Wraps `packing._state_subsidy`.
    @param state The 32-byte state word.
    @return uint256 The subsidy finalized field.
    """
    return packing._state_subsidy(state)


@external
@pure
def state_revenue(state: uint256) -> uint256:
    """
    @dev Wraps `packing._state_revenue`.
    @param state The 32-byte state word.
    @return uint256 The revenue finalized field.
    """
    return packing._state_revenue(state)


@external
@pure
def state_posted_at(state: uint256) -> uint256:
    """
    @dev Wraps `packing._state_posted_at`.
    @param state The 32-byte state word.
    @return uint256 The root posted at field.
    """
    return packing._state_posted_at(state)


@external
@pure
def state_flag(state: uint256, flag: uint256) -> bool:
    """
    @dev Wraps `packing._state_flag`.
    @param state The 32-byte state word.
    @param flag One of the `*_FLAG` constants.
    @return bool Whether the flag is set.
    """
    return packing._state_flag(state, flag)


@external
@pure
def state_latest_slot(state: uint256) -> uint256:
    """
    @dev Wraps `packing._state_latest_slot`.
    @param state The 32-byte state word.
    @return uint256 The index of the latest root's slot.
    """
    return packing._state_latest_slot(state)


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
