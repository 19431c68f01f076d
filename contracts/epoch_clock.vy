# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Epoch clock
@notice Maps a timestamp to its epoch: `(t - genesis) // epoch_length`.
        Every Flywheel contract that stamps an epoch initializes this
        module with the same two parameters, so they all agree.
@dev `MAX_EPOCHS` bounds epoch indices for the whole system: the emission
     schedule's walks loop at most that often, the distributor finalizes
     only epochs below it, and the gateway takes no payment past it, since
     revenue credited to an epoch that can never be finalized would be
     stuck. It lives with the clock, beside the indices it bounds, so that
     every contract reads the one value; a module that only needs the
     constant imports this one without `initializes`.
"""

# One hundred thousand epochs: over eleven years of hourly epochs.
MAX_EPOCHS: constant(uint256) = 100_000

GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))


@deploy
def __init__(genesis: uint256, epoch_length: uint256):
    """
    @dev Sets the clock of the contract that initializes this module.
    @param genesis The Unix time epoch 0 starts.
    @param epoch_length The seconds per epoch; positive.
    """
    assert epoch_length > 0, "clock: zero epoch length"
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length


@internal
@view
def _epoch_at(t: uint256) -> uint256:
    """
    @dev Returns the epoch `t` falls in; reverts before genesis.
    @param t A Unix time.
    @return uint256 The epoch index.
    """
    assert t >= GENESIS, "clock: before genesis"
    return (t - GENESIS) // EPOCH_LENGTH


@internal
@view
def _current_epoch() -> uint256:
    """
    @dev Returns the epoch the current block falls in.
    @return uint256 The epoch index.
    """
    return self._epoch_at(block.timestamp)


@internal
@view
def _epoch_end(epoch: uint256) -> uint256:
    """
    @dev Returns when `epoch` ends, the start of the next one.
    @param epoch The epoch index.
    @return uint256 The Unix time.
    """
    return GENESIS + (epoch + 1) * EPOCH_LENGTH


@external
@view
def current_epoch() -> uint256:
    """
    @notice The epoch the current block falls in.
    @return uint256 The epoch index.
    """
    return self._current_epoch()
