# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel price feed
@notice The reporter posts the network token's price in USD per whole
        token with 8 decimals; reads follow Chainlink's `latestRoundData`.
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

decimals: public(constant(uint8)) = 8
description: public(constant(String[32])) = "NETWORK / USD"
MAX_PRICE: constant(uint256) = 2**127 - 1


@deploy
def __init__(genesis: uint256, epoch_length: uint256):
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
    round_id: uint256 = (self._latest >> 192) + 1
    self._latest = (round_id << 192) | (block.timestamp << 128) | price
    log PriceUpdated(epoch=epoch_clock._current_epoch(), price=price)


@internal
@view
def _unpack() -> (uint80, int256, uint256):
    latest: uint256 = self._latest
    return convert(latest >> 192, uint80), convert(latest & MAX_PRICE, int256), (latest >> 128) & (2**64 - 1)


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
    return latest & MAX_PRICE, (latest >> 128) & (2**64 - 1)
