# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel network token
@notice ERC-20 with a hard-capped supply, minted only by the reward
        distributor.
@dev The minter is an immutable fixed at creation, not a role: checking an
     immutable costs nothing, where a role mapping costs a cold storage
     read on every claim, and no owner is left who could ever add a
     minter. The distributor is created right after the token, so the
     deployer knows its address in advance (it follows from the deployer's
     nonce), and the distributor's constructor refuses a token that does
     not name it.
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
    erc20.burn,
    erc20.burn_from,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
)

MAX_SUPPLY: public(immutable(uint256))
MINTER: public(immutable(address))


@deploy
def __init__(name_: String[25], symbol_: String[5], max_supply: uint256, minter: address):
    assert max_supply > 0, "token: zero max supply"
    assert minter != empty(address), "token: zero minter"
    ownable.__init__()
    erc20.__init__(name_, symbol_, 18, name_, "1")
    # snekmate's token starts with its deployer as owner and minter; neither is used here, so neither is kept.
    erc20.is_minter[msg.sender] = False
    ownable._transfer_ownership(empty(address))
    MAX_SUPPLY = max_supply
    MINTER = minter


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; the minter only, never past the cap.
    @param owner The receiver.
    @param amount The amount in base units.
    """
    assert msg.sender == MINTER, "token: not the minter"
    assert erc20.totalSupply + amount <= MAX_SUPPLY, "token: max supply exceeded"
    erc20._mint(owner, amount)
