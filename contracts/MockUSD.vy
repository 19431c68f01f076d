# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Mock USD stablecoin (local chains only)
@notice A 6-decimal ERC-20 with a faucet, used as the payment token in
        tests and demos.
"""

from ethereum.ercs import IERC20
implements: IERC20

from ethereum.ercs import IERC20Detailed
implements: IERC20Detailed

from snekmate.auth import ownable
initializes: ownable

from snekmate.tokens import erc20
initializes: erc20[ownable := ownable]

exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
)

# One faucet call hands out at most ten million dollars.
MAX_FAUCET: public(constant(uint256)) = 10_000_000 * 10**6


@deploy
def __init__():
    ownable.__init__()
    erc20.__init__("Mock USD", "mUSD", 6, "Mock USD", "1")


@external
def faucet(amount: uint256):
    """
    @notice Mints `amount` to the caller.
    @param amount The amount in base units (6 decimals), at most `MAX_FAUCET`.
    """
    assert amount > 0 and amount <= MAX_FAUCET, "mockusd: faucet amount out of range"
    erc20._mint(msg.sender, amount)
