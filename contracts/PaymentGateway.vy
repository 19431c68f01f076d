# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel payment gateway
@notice Customers pay for service in the payment token. `fee_bps` of each
        payment goes to the treasury; the rest goes straight to the reward
        distributor and is credited to the current epoch's revenue pool.
@dev The fee is rounded up: rounded down, a payment small enough
     (19 units at 500 bps) paid none, and splitting a payment into such
     pieces avoided the fee altogether. As `fee_bps <= 10000`, the rounded
     fee never exceeds the amount.
     `set_fee` takes effect at once, so an admin transaction mined just
     before a payment would change the fee the customer signed up for;
     `pay` takes an optional `max_fee_bps` and refuses a higher fee. Its
     two-argument form stays for callers that accept the current fee.
     Payments stop at epoch `epoch_clock.MAX_EPOCHS`: the distributor
     finalizes no epoch from there on, so revenue credited to one would be
     stuck in the distributor for ever. For the same reason the constructor
     refuses a clock whose last payable epoch ends past the 40-bit times
     the distributor packs: that epoch could never be finalized either.
"""

from ethereum.ercs import IERC20

from snekmate.auth import access_control
initializes: access_control

from snekmate.utils import pausable
initializes: pausable

import epoch_clock
initializes: epoch_clock

import roles

exports: (
    access_control.__interface__,
    pausable.paused,
    epoch_clock.current_epoch,
    epoch_clock.GENESIS,
    epoch_clock.EPOCH_LENGTH,
)

event PaymentReceived:
    customer: indexed(address)
    epoch: indexed(uint256)
    amount: uint256
    fee: uint256
    reference: bytes32

event FeeChanged:
    fee_bps: uint256

event TreasuryChanged:
    treasury: address

event DistributorSet:
    distributor: address

BPS: constant(uint256) = 10_000
# The distributor stores when a root was posted in 40 bits (packing.vy).
MAX_TIME: constant(uint256) = 2**40 - 1

PAYMENT_TOKEN: public(immutable(IERC20))
fee_bps: public(uint256)
treasury: public(address)
distributor: public(address)
# Net payments (gross less fee) credited to each epoch's pool.
epoch_revenue: public(HashMap[uint256, uint256])


@deploy
def __init__(payment_token: IERC20, treasury: address, fee_bps: uint256, genesis: uint256, epoch_length: uint256):
    """
    @dev Deploys the gateway; the deployer becomes its admin.
    @param payment_token The ERC-20 token customers pay in.
    @param treasury The receiver of protocol fees.
    @param fee_bps The protocol fee in basis points, at most 10000.
    @param genesis The Unix time epoch 0 starts; the distributor's.
    @param epoch_length The seconds per epoch; the distributor's. Epoch
           `MAX_EPOCHS - 1`, the last one payable, must end by `2**40 - 1`.
    """
    assert fee_bps <= BPS, "gateway: fee over 10000 bps"
    assert treasury != empty(address), "gateway: zero treasury"
    assert genesis <= MAX_TIME, "gateway: genesis out of range"
    assert epoch_length <= (MAX_TIME - genesis) // epoch_clock.MAX_EPOCHS, "gateway: epoch length out of range"
    access_control.__init__()
    pausable.__init__()
    epoch_clock.__init__(genesis, epoch_length)
    PAYMENT_TOKEN = payment_token
    self.fee_bps = fee_bps
    self.treasury = treasury


@external
def set_distributor(distributor: address):
    """
    @notice Names the reward distributor that receives net payments; admin only, once.
    @param distributor The distributor's address.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert self.distributor == empty(address), "gateway: distributor already set"
    assert distributor != empty(address), "gateway: zero distributor"
    self.distributor = distributor
    log DistributorSet(distributor=distributor)


@external
def set_fee(fee_bps: uint256):
    """
    @notice Sets the protocol fee; admin only.
    @param fee_bps The fee in basis points, at most 10000.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert fee_bps <= BPS, "gateway: fee over 10000 bps"
    self.fee_bps = fee_bps
    log FeeChanged(fee_bps=fee_bps)


@external
def set_treasury(treasury: address):
    """
    @notice Sets the treasury that receives protocol fees; admin only.
    @param treasury The new treasury.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert treasury != empty(address), "gateway: zero treasury"
    self.treasury = treasury
    log TreasuryChanged(treasury=treasury)


@external
def pause():
    """
    @notice Stops payments; guardian only.
    """
    access_control._check_role(roles.GUARDIAN_ROLE, msg.sender)
    pausable._pause()


@external
def unpause():
    """
    @notice Resumes payments; admin only.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    pausable._unpause()


@external
def pay(amount: uint256, reference: bytes32, max_fee_bps: uint256 = BPS):
    """
    @notice Pays `amount` of the payment token for service. The caller must
            have approved the gateway for `amount`. The fee,
            `ceil(amount * fee_bps / 10000)`, goes to the treasury and the
            rest to the current epoch's revenue pool.
    @param amount The gross amount in payment-token base units; positive.
    @param reference The customer's own reference (an order or invoice id).
    @param max_fee_bps The highest `fee_bps` the caller accepts; without it,
           any fee. Protects a payment from a fee raised just before it.
    """
    pausable._require_not_paused()
    assert amount > 0, "gateway: zero amount"
    fee_bps: uint256 = self.fee_bps
    assert fee_bps <= max_fee_bps, "gateway: fee over max_fee_bps"
    distributor: address = self.distributor
    assert distributor != empty(address), "gateway: no distributor"
    epoch: uint256 = epoch_clock._current_epoch()
    assert epoch < epoch_clock.MAX_EPOCHS, "gateway: epoch out of range"
    fee: uint256 = (amount * fee_bps + BPS - 1) // BPS
    net: uint256 = amount - fee
    self.epoch_revenue[epoch] += net
    if fee > 0:
        assert extcall PAYMENT_TOKEN.transferFrom(msg.sender, self.treasury, fee, default_return_value=True)
    if net > 0:
        assert extcall PAYMENT_TOKEN.transferFrom(msg.sender, distributor, net, default_return_value=True)
    log PaymentReceived(customer=msg.sender, epoch=epoch, amount=amount, fee=fee, reference=reference)
