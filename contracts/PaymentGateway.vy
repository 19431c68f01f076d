# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel payment gateway
@notice Customers pay for service in the payment token. `fee_bps` of each
        payment goes to the treasury; the rest goes straight to the reward
        distributor and is credited to the current epoch's revenue pool.
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

PAYMENT_TOKEN: public(immutable(IERC20))
fee_bps: public(uint256)
treasury: public(address)
distributor: public(address)
# Net payments (gross less fee) credited to each epoch's pool.
epoch_revenue: public(HashMap[uint256, uint256])


@deploy
def __init__(payment_token: IERC20, treasury: address, fee_bps: uint256, genesis: uint256, epoch_length: uint256):
    assert fee_bps <= BPS, "gateway: fee over 10000 bps"
    assert treasury != empty(address), "gateway: zero treasury"
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
def pay(amount: uint256, reference: bytes32):
    """
    @notice Pays `amount` of the payment token for service. The caller must
            have approved the gateway for `amount`.
    @param amount The gross amount in payment-token base units; positive.
    @param reference The customer's own reference (an order or invoice id).
    """
    pausable._require_not_paused()
    assert amount > 0, "gateway: zero amount"
    distributor: address = self.distributor
    assert distributor != empty(address), "gateway: no distributor"
    epoch: uint256 = epoch_clock._current_epoch()
    fee: uint256 = amount * self.fee_bps // BPS
    net: uint256 = amount - fee
    self.epoch_revenue[epoch] += net
    if fee > 0:
        assert extcall PAYMENT_TOKEN.transferFrom(msg.sender, self.treasury, fee, default_return_value=True)
    if net > 0:
        assert extcall PAYMENT_TOKEN.transferFrom(msg.sender, distributor, net, default_return_value=True)
    log PaymentReceived(customer=msg.sender, epoch=epoch, amount=amount, fee=fee, reference=reference)
