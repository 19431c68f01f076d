# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Packed words of the reward distributor
@notice Names every field of the word layouts the distributor keeps its
        hot state in, so that its functions read and write fields rather
        than shifting and masking by hand:
        - schedule: scheduled total (104) | rate (104) | next epoch (40) |
          pending epochs (8), the emission schedule as it stood before the
          latest root's epochs, and how many epochs that root finalized;
        - state: subsidy finalized (104) | revenue finalized (104) |
          root posted at (40) | flags (8), everything a claim reads about
          the distributor in one slot;
        - pending: subsidy (104) | revenue (104) | previous posted at (40),
          what the latest root added and when the root before it was
          posted, kept only while the latest root can be revoked;
        - pair: subsidy (128) | revenue (128), the layout of the paid
          totals and of every account's claimed totals.
        Each layout has one getter per field and one packer.
@dev Getters of the top field shift without masking, as nothing lies
     above it. Packers neither mask nor check their arguments: they OR the
     shifted fields, and the distributor bounds each amount (against the
     `MAX_*` constants here) before packing it. Stateless, so a contract
     imports it without `initializes`.
"""


# @dev The three 104-40-8 layouts (schedule, state, pending) share offsets.
AMOUNT_BITS: constant(uint256) = 104
WORD_FLAGS_BITS: constant(uint256) = 8
WORD_TIME_BITS: constant(uint256) = 40
TIME_SHIFT: constant(uint256) = WORD_FLAGS_BITS
LOW_AMOUNT_SHIFT: constant(uint256) = WORD_FLAGS_BITS + WORD_TIME_BITS
HIGH_AMOUNT_SHIFT: constant(uint256) = LOW_AMOUNT_SHIFT + AMOUNT_BITS
MAX_AMOUNT: constant(uint256) = 2**AMOUNT_BITS - 1
MAX_TIME: constant(uint256) = 2**WORD_TIME_BITS - 1
MAX_FLAGS: constant(uint256) = 2**WORD_FLAGS_BITS - 1

# @dev Flags of the state word.
LATEST_ROOT_FLAG: constant(uint256) = 1  # which of the two root slots holds the latest root
CLAIMS_PAUSED_FLAG: constant(uint256) = 2
FINALIZATION_PAUSED_FLAG: constant(uint256) = 4
PAUSE_FLAGS: constant(uint256) = CLAIMS_PAUSED_FLAG | FINALIZATION_PAUSED_FLAG

# @dev Width of each half of a pair word.
PAIR_AMOUNT_BITS: constant(uint256) = 128
MAX_PAIR_AMOUNT: constant(uint256) = 2**PAIR_AMOUNT_BITS - 1


@internal
@pure
def _high(word: uint256) -> uint256:
    """
    @dev Returns the top amount of a 104-104-40-8 word.
    @param word The 32-byte word.
    @return uint256 The amount.
    """
    return word >> HIGH_AMOUNT_SHIFT


@internal
@pure
def _low(word: uint256) -> uint256:
    """
    @dev Returns the second amount of a 104-104-40-8 word.
    @param word The 32-byte word.
    @return uint256 The amount.
    """
    return (word >> LOW_AMOUNT_SHIFT) & MAX_AMOUNT


@internal
@pure
def _time(word: uint256) -> uint256:
    """
    @dev Returns the 40-bit field of a 104-104-40-8 word.
    @param word The 32-byte word.
    @return uint256 A Unix time, or the schedule's next epoch.
    """
    return (word >> TIME_SHIFT) & MAX_TIME


@internal
@pure
def _flags(word: uint256) -> uint256:
    """
    @dev Returns the low 8 bits of a 104-104-40-8 word.
    @param word The 32-byte word.
    @return uint256 The state's flags, or the schedule's pending epochs.
    """
    return word & MAX_FLAGS


@internal
@pure
def _pack(high: uint256, low: uint256, time: uint256, flags: uint256) -> uint256:
    """
    @dev Packs a 104-104-40-8 word. The caller keeps both amounts within
         `MAX_AMOUNT`, `time` within `MAX_TIME` and `flags` within
         `MAX_FLAGS`; wider values are not masked.
    @param high The top amount.
    @param low The second amount.
    @param time The 40-bit field.
    @param flags The low 8 bits.
    @return uint256 The 32-byte word.
    """
    return (high << HIGH_AMOUNT_SHIFT) | (low << LOW_AMOUNT_SHIFT) | (time << TIME_SHIFT) | flags


# --- schedule: scheduled total | rate | next epoch | pending epochs ----------


@internal
@pure
def _schedule_total(schedule: uint256) -> uint256:
    """
    @dev Returns the scheduled emission of every epoch before the next epoch.
    @param schedule The schedule word.
    @return uint256 Network-token base units.
    """
    return self._high(schedule)


@internal
@pure
def _schedule_rate(schedule: uint256) -> uint256:
    """
    @dev Returns the emission rate of the epoch before the next epoch.
    @param schedule The schedule word.
    @return uint256 Network-token base units per epoch.
    """
    return self._low(schedule)


@internal
@pure
def _schedule_epoch(schedule: uint256) -> uint256:
    """
    @dev Returns the first epoch the word's totals do not cover.
    @param schedule The schedule word.
    @return uint256 The epoch index.
    """
    return self._time(schedule)


@internal
@pure
def _schedule_pending(schedule: uint256) -> uint256:
    """
    @dev Returns how many epochs the latest root finalized past the word's epoch.
    @param schedule The schedule word.
    @return uint256 A count of epochs.
    """
    return self._flags(schedule)


# --- state: subsidy finalized | revenue finalized | posted at | flags --------


@internal
@pure
def _state_subsidy(state: uint256) -> uint256:
    """
    @dev Returns the subsidy allocated by every finalized epoch.
    @param state The state word.
    @return uint256 Network-token base units.
    """
    return self._high(state)


@internal
@pure
def _state_revenue(state: uint256) -> uint256:
    """
    @dev Returns the revenue allocated by every finalized epoch.
    @param state The state word.
    @return uint256 Payment-token base units.
    """
    return self._low(state)


@internal
@pure
def _state_posted_at(state: uint256) -> uint256:
    """
    @dev Returns when the latest root was posted.
    @param state The state word.
    @return uint256 Unix time, or 0 before any root.
    """
    return self._time(state)


@internal
@pure
def _state_flag(state: uint256, flag: uint256) -> bool:
    """
    @dev Returns whether `flag` is set in the state word.
    @param state The state word.
    @param flag One of the `*_FLAG` constants.
    @return bool True when set.
    """
    return state & flag != 0


@internal
@pure
def _state_latest_slot(state: uint256) -> uint256:
    """
    @dev Returns the index of the root slot that holds the latest root.
    @param state The state word.
    @return uint256 0 or 1.
    """
    return state & LATEST_ROOT_FLAG


# --- pair: subsidy (128) | revenue (128) ----------------------------------


@internal
@pure
def _pair_subsidy(pair: uint256) -> uint256:
    """
    @dev Returns the subsidy half of a pair word, the top 128 bits.
    @param pair The 32-byte pair word.
    @return uint256 The amount in network-token base units.
    """
    return pair >> PAIR_AMOUNT_BITS


@internal
@pure
def _pair_revenue(pair: uint256) -> uint256:
    """
    @dev Returns the revenue half of a pair word, the low 128 bits.
    @param pair The 32-byte pair word.
    @return uint256 The amount in payment-token base units.
    """
    return pair & MAX_PAIR_AMOUNT


@internal
@pure
def _pack_pair(subsidy: uint256, revenue: uint256) -> uint256:
    """
    @dev Packs a pair word. The caller keeps both amounts within
         `MAX_PAIR_AMOUNT`; a wider revenue is not masked.
    @param subsidy The network-token amount.
    @param revenue The payment-token amount.
    @return uint256 The 32-byte pair word.
    """
    return (subsidy << PAIR_AMOUNT_BITS) | revenue
