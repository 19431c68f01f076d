# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Epoch clock
@notice Maps a timestamp to its epoch: `(t - genesis) // epoch_length`.
        Every Flywheel contract that stamps an epoch initializes this
        module with the same two parameters, so they all agree.
"""

GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))


@deploy
def __init__(genesis: uint256, epoch_length: uint256):
    assert epoch_length > 0, "clock: zero epoch length"
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length


@internal
@view
def _epoch_at(t: uint256) -> uint256:
    assert t >= GENESIS, "clock: before genesis"
    return (t - GENESIS) // EPOCH_LENGTH


@internal
@view
def _current_epoch() -> uint256:
    return self._epoch_at(block.timestamp)


@internal
@view
def _epoch_end(epoch: uint256) -> uint256:
    return GENESIS + (epoch + 1) * EPOCH_LENGTH


@external
@view
def current_epoch() -> uint256:
    """
    @notice The epoch the current block falls in.
    @return uint256 The epoch index.
    """
    return self._current_epoch()
