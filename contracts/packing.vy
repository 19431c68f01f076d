# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Packed words of the reward distributor
@notice Names every field of the three word layouts the distributor keeps
        its hot state in, so that its functions read and write fields
        rather than shifting and masking by hand:
        - schedule: scheduled total (112) | rate (112) | next epoch (32);
        - ledger: revenue finalized (108) | carry (108) | root posted at (40);
        - pair: subsidy (128) | revenue (128), the layout of the pending
          totals, the paid totals and every account's claimed totals.
        Each layout has one getter per field and one packer.
@dev Getters of the top field shift without masking, as nothing lies
     above it. Packers neither mask nor check their arguments: they OR the
     shifted fields, and the distributor bounds each amount (against the
     `MAX_*` constants here) before packing it. Stateless, so a contract
     imports it without `initializes`.
"""


# @dev Widths and offsets of the schedule word.
SCHEDULE_EPOCH_BITS: constant(uint256) = 32
SCHEDULE_AMOUNT_BITS: constant(uint256) = 112
SCHEDULE_RATE_SHIFT: constant(uint256) = SCHEDULE_EPOCH_BITS
SCHEDULE_TOTAL_SHIFT: constant(uint256) = SCHEDULE_EPOCH_BITS + SCHEDULE_AMOUNT_BITS
MAX_SCHEDULE_EPOCH: constant(uint256) = 2**SCHEDULE_EPOCH_BITS - 1
MAX_SCHEDULE_AMOUNT: constant(uint256) = 2**SCHEDULE_AMOUNT_BITS - 1

# @dev Widths and offsets of the ledger word.
LEDGER_TIME_BITS: constant(uint256) = 40
LEDGER_AMOUNT_BITS: constant(uint256) = 108
LEDGER_CARRY_SHIFT: constant(uint256) = LEDGER_TIME_BITS
LEDGER_FINALIZED_SHIFT: constant(uint256) = LEDGER_TIME_BITS + LEDGER_AMOUNT_BITS
MAX_LEDGER_TIME: constant(uint256) = 2**LEDGER_TIME_BITS - 1
MAX_LEDGER_AMOUNT: constant(uint256) = 2**LEDGER_AMOUNT_BITS - 1

# @dev Width of each half of a pair word.
PAIR_AMOUNT_BITS: constant(uint256) = 128
MAX_PAIR_AMOUNT: constant(uint256) = 2**PAIR_AMOUNT_BITS - 1


# --- schedule: scheduled total (112) | rate (112) | next epoch (32) -------


@internal
@pure
def _schedule_next_epoch(schedule: uint256) -> uint256:
    """
    @dev Returns the next epoch to finalize, the low 32 bits.
    @param schedule The 32-byte schedule word.
    @return uint256 The epoch index.
    """
    return schedule & MAX_SCHEDULE_EPOCH


@internal
@pure
def _schedule_rate(schedule: uint256) -> uint256:
    """
    @dev Returns the emission rate of the last finalized epoch,
         the 112 bits above the next epoch.
    @param schedule The 32-byte schedule word.
    @return uint256 The rate in network-token base units.
    """
    return (schedule >> SCHEDULE_RATE_SHIFT) & MAX_SCHEDULE_AMOUNT


@internal
@pure
def _schedule_total(schedule: uint256) -> uint256:
    """
    @dev Returns the scheduled emission of all finalized epochs,
         the top 112 bits.
    @param schedule The 32-byte schedule word.
    @return uint256 The total in network-token base units.
    """
    return schedule >> SCHEDULE_TOTAL_SHIFT


@internal
@pure
def _pack_schedule(total: uint256, rate: uint256, next_epoch: uint256) -> uint256:
    """
    @dev Packs a schedule word. The caller keeps `total` and `rate`
         within `MAX_SCHEDULE_AMOUNT` and `next_epoch` within
         `MAX_SCHEDULE_EPOCH`; wider values are not masked.
    @param total The scheduled emission of all finalized epochs.
    @param rate The emission rate of the last finalized epoch.
    @param next_epoch The next epoch to finalize.
    @return uint256 The 32-byte schedule word.
    """
    return (total << SCHEDULE_TOTAL_SHIFT) | (rate << SCHEDULE_RATE_SHIFT) | next_epoch


# --- ledger: revenue finalized (108) | carry (108) | root posted at (40) ---


@internal
@pure
def _ledger_posted_at(ledger: uint256) -> uint256:
    """
    @dev Returns when the latest root was posted, the low 40 bits.
    @param ledger The 32-byte ledger word.
    @return uint256 The Unix time, or 0 when no root is pending.
    """
    return ledger & MAX_LEDGER_TIME


@internal
@pure
def _ledger_carry(ledger: uint256) -> uint256:
    """
    @dev Returns the revenue finalized epochs left unallocated,
         the 108 bits above the posting time.
    @param ledger The 32-byte ledger word.
    @return uint256 The carry in payment-token base units.
    """
    return (ledger >> LEDGER_CARRY_SHIFT) & MAX_LEDGER_AMOUNT


@internal
@pure
def _ledger_revenue_finalized(ledger: uint256) -> uint256:
    """
    @dev Returns the revenue allocated over all finalized epochs,
         the top 108 bits.
    @param ledger The 32-byte ledger word.
    @return uint256 The total in payment-token base units.
    """
    return ledger >> LEDGER_FINALIZED_SHIFT


@internal
@pure
def _pack_ledger(revenue_finalized: uint256, carry: uint256, posted_at: uint256) -> uint256:
    """
    @dev Packs a ledger word. The caller keeps both amounts within
         `MAX_LEDGER_AMOUNT` and `posted_at` within `MAX_LEDGER_TIME`;
         wider values are not masked.
    @param revenue_finalized The revenue allocated over all finalized epochs.
    @param carry The revenue finalized epochs left unallocated.
    @param posted_at When the latest root was posted, or 0.
    @return uint256 The 32-byte ledger word.
    """
    return (revenue_finalized << LEDGER_FINALIZED_SHIFT) | (carry << LEDGER_CARRY_SHIFT) | posted_at


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
