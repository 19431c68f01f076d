# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel price feed
@notice The reporter posts the network token's price in USD per whole
        token with 8 decimals; reads follow Chainlink's `latestRoundData`.
        `price_at(t)` answers the price in force at time `t`.
@dev The distributor prices each epoch at its end, which by the time the
     epoch is finalized may be several posts ago, so every round is kept:
     `_rounds[id]` holds the same packed word as `_latest` did when round
     `id` was posted. `_latest` stays a copy of the newest round, so that
     `latest_price` and the usual `price_at` (a time at or after the newest
     post) read one slot. A time before that is found in the round before,
     or else by binary search: posting times never decrease, as rounds are
     numbered in posting order. Keeping history costs each post one more
     storage slot written from zero.
"""

from snekmate.auth import access_control
initializes: access_control

exports: access_control.__interface__

import epoch_clock
initializes: epoch_clock

exports: (epoch_clock.current_epoch, epoch_clock.GENESIS, epoch_clock.EPOCH_LENGTH)

import roles

event PriceUpdated:
    epoch: indexed(uint256)
    price: uint256

# round id (64) | updated at (64) | price (128): one slot, one read.
_latest: uint256
# The word of every round by round id, from 1; round 0 is the empty word.
_rounds: HashMap[uint256, uint256]

decimals: public(constant(uint8)) = 8
description: public(constant(String[32])) = "NETWORK / USD"
MAX_PRICE: constant(uint256) = 2**127 - 1
TIME_SHIFT: constant(uint256) = 128
ROUND_SHIFT: constant(uint256) = 192
MAX_TIME: constant(uint256) = 2**64 - 1
# Round ids have 64 bits, so 64 halvings narrow any range of rounds to one.
MAX_SEARCH_STEPS: constant(uint256) = 64


@deploy
def __init__(genesis: uint256, epoch_length: uint256):
    """
    @dev Deploys the feed with no price; the deployer becomes its admin.
    @param genesis The Unix time epoch 0 starts, to stamp each post's epoch.
    @param epoch_length The seconds per epoch.
    """
    access_control.__init__()
    epoch_clock.__init__(genesis, epoch_length)


@external
def post_price(price: uint256):
    """
    @notice Posts a new price; reporter only.
    @param price USD per whole token, 8 decimals; must be positive.
    """
    access_control._check_role(roles.REPORTER_ROLE, msg.sender)
    assert price > 0 and price <= MAX_PRICE, "feed: price out of range"
    round_id: uint256 = (self._latest >> ROUND_SHIFT) + 1
    word: uint256 = (round_id << ROUND_SHIFT) | (block.timestamp << TIME_SHIFT) | price
    self._latest = word
    self._rounds[round_id] = word
    log PriceUpdated(epoch=epoch_clock._current_epoch(), price=price)


@internal
@pure
def _updated_at(word: uint256) -> uint256:
    """
    @dev Returns when a round was posted.
    @param word The round's packed word.
    @return uint256 The Unix time; 0 for the empty word.
    """
    return (word >> TIME_SHIFT) & MAX_TIME


@internal
@pure
def _price(word: uint256) -> uint256:
    """
    @dev Returns a round's price.
    @param word The round's packed word.
    @return uint256 The price; 0 for the empty word.
    """
    return word & MAX_PRICE


@internal
@view
def _unpack() -> (uint80, int256, uint256):
    """
    @dev Returns the newest round's id, price and posting time.
    @return (uint80, int256, uint256) The round id, the price and the
            posting time; all zero before the first post.
    """
    latest: uint256 = self._latest
    return convert(latest >> ROUND_SHIFT, uint80), convert(latest & MAX_PRICE, int256), (latest >> TIME_SHIFT) & MAX_TIME


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The latest price, Chainlink-style.
    @return (roundId, answer, startedAt, updatedAt, answeredInRound);
            all zero before the first post.
    """
    round_id: uint80 = 0
    answer: int256 = 0
    updated_at: uint256 = 0
    round_id, answer, updated_at = self._unpack()
    return round_id, answer, updated_at, updated_at, round_id


@external
@view
def latest_price() -> (uint256, uint256):
    """
    @notice The latest price and when it was posted, as unsigned values.
    @return (price, updated_at); zero before the first post.
    """
    latest: uint256 = self._latest
    return latest & MAX_PRICE, (latest >> TIME_SHIFT) & MAX_TIME


@external
@view
def price_at(t: uint256) -> (uint256, uint256):
    """
    @notice The price in force at time `t`: the last one posted at or
            before `t`, and when it was posted. Of several posts at the
            same time, the last counts.
    @dev One storage read when `t` is at or after the newest post, two when
         it falls in the round before; else a binary search over the
         older rounds, at most `MAX_SEARCH_STEPS` reads more.
    @param t A Unix time.
    @return (price, updated_at); (0, 0) when nothing was posted by `t`.
    """
    word: uint256 = self._latest
    # Inline, as in `latest_price`: this is the distributor's usual path, and
    # the helpers' internal calls would make it dearer than `latest_price`.
    updated_at: uint256 = (word >> TIME_SHIFT) & MAX_TIME
    if updated_at <= t:
        return word & MAX_PRICE, updated_at
    # `_latest` is not empty here, as the empty word's time 0 is at or before any `t`.
    newest: uint256 = word >> ROUND_SHIFT
    word = self._rounds[newest - 1]
    if self._updated_at(word) <= t:
        # Round 0 is the empty word, so a `t` before the only post lands here too.
        return self._price(word), self._updated_at(word)
    # Invariant: round `low` was posted at or before `t` (round 0 counts as
    # posted at time 0), round `high` after it, and `found` is round `low`.
    low: uint256 = 0
    high: uint256 = newest - 1
    found: uint256 = 0
    for _: uint256 in range(MAX_SEARCH_STEPS):
        if high - low <= 1:
            break
        middle: uint256 = (low + high) // 2
        word = self._rounds[middle]
        if self._updated_at(word) <= t:
            low = middle
            found = word
        else:
            high = middle
    return self._price(found), self._updated_at(found)


@external
@view
def price_after(t: uint256) -> (uint256, uint256):
    """
    @notice The first price posted after time `t`, and when it was posted.
            The distributor falls back on it for an epoch whose end saw no
            fresh price, so that a reporter down for longer than the price
            age cannot block finalization for ever.
    @dev A binary search over the rounds, at most `MAX_SEARCH_STEPS` reads.
    @param t A Unix time.
    @return (price, updated_at); (0, 0) when nothing was posted after `t`.
    """
    word: uint256 = self._latest
    if self._updated_at(word) <= t:
        return 0, 0
    # Invariant: round `low` was posted at or before `t` (round 0 counts as
    # posted at time 0) and round `high` after it.
    low: uint256 = 0
    high: uint256 = word >> ROUND_SHIFT
    for _: uint256 in range(MAX_SEARCH_STEPS):
        if high - low <= 1:
            break
        middle: uint256 = (low + high) // 2
        if self._updated_at(self._rounds[middle]) <= t:
            low = middle
        else:
            high = middle
    word = self._rounds[high]
    return self._price(word), self._updated_at(word)
