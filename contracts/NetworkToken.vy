# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel network token
@notice ERC-20 with a hard-capped supply. After deployment the only
        minter is the reward distributor: the deployer hands the minter
        role to it and renounces ownership, which also drops its own
        minting right.
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
    erc20.owner,
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.burn,
    erc20.burn_from,
    erc20.is_minter,
    erc20.set_minter,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    erc20.transfer_ownership,
    erc20.renounce_ownership,
)

MAX_SUPPLY: public(immutable(uint256))


@deploy
def __init__(name_: String[25], symbol_: String[5], max_supply: uint256):
    assert max_supply > 0, "token: zero max supply"
    ownable.__init__()
    erc20.__init__(name_, symbol_, 18, name_, "1")
    MAX_SUPPLY = max_supply


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; minters only, never past the cap.
    @param owner The receiver.
    @param amount The amount in base units.
    """
    assert erc20.is_minter[msg.sender], "erc20: access is denied"
    assert erc20.totalSupply + amount <= MAX_SUPPLY, "token: max supply exceeded"
    erc20._mint(owner, amount)
