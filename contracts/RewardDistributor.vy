# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel reward distributor
@notice Owns the emission schedule and the epochs. The reporter finalizes
        each ended epoch, in order, with a Merkle root over every account's
        cumulative entitlements and the epoch's totals. Anyone may then
        submit a claim for an account: subsidy is minted as network tokens,
        revenue is transferred in the payment token, each as the difference
        between the cumulative entitlement and what was already claimed.
@dev Hot state is packed so that finalizing and claiming touch few slots:
     `_schedule` = scheduled total (112) | rate (112) | next epoch (32);
     `_ledger`   = revenue finalized (108) | carry (108) | root posted at (40);
     `_pending`, `_paid` and `_claimed[account]` = subsidy (128) | revenue (128).
     The `packing` module names every field of these words and packs them.
     Roots live in a ring of two: the latest, and the one before it, which
     stays claimable while the latest waits out `ROOT_DELAY`.
"""

from ethereum.ercs import IERC20

from snekmate.auth import access_control
initializes: access_control

from snekmate.utils import pausable
initializes: pausable

from snekmate.utils import merkle_proof_verification as merkle

import epoch_clock
initializes: epoch_clock

import emission_schedule
initializes: emission_schedule

import roles

import packing

exports: (
    access_control.__interface__,
    pausable.paused,
    epoch_clock.current_epoch,
    epoch_clock.GENESIS,
    epoch_clock.EPOCH_LENGTH,
    emission_schedule.emission,
    emission_schedule.INITIAL_EMISSION,
    emission_schedule.DECAY_BPS,
    emission_schedule.DECAY_PERIOD,
    emission_schedule.MAX_SUPPLY,
)


interface IPaymentGateway:
    def epoch_revenue(epoch: uint256) -> uint256: view

interface IPriceFeed:
    def latest_price() -> (uint256, uint256): view

interface INetworkToken:
    def mint(owner: address, amount: uint256): nonpayable


event EpochFinalized:
    epoch: indexed(uint256)
    root: bytes32
    subsidy: uint256
    revenue: uint256
    work_units: uint256
    contributors: uint256
    price: uint256

event RewardClaimed:
    account: indexed(address)
    subsidy: uint256
    revenue: uint256

event RootRevoked:
    epoch: indexed(uint256)
    root: bytes32


struct Claim:
    account: address
    cumulative_subsidy: uint256
    cumulative_revenue: uint256
    proof: DynArray[bytes32, MAX_PROOF]


MAX_PROOF: constant(uint256) = 32
MAX_BATCH: constant(uint256) = 40

NETWORK_TOKEN: public(immutable(INetworkToken))
PAYMENT_TOKEN: public(immutable(IERC20))
GATEWAY: public(immutable(IPaymentGateway))
PRICE_FEED: public(immutable(IPriceFeed))
ROOT_DELAY: public(immutable(uint256))
MAX_PRICE_AGE: public(immutable(uint256))

_schedule: uint256
_ledger: uint256
_pending: uint256
_roots: bytes32[2]
_paid: uint256
_claimed: HashMap[address, uint256]
subsidy_finalized: public(uint256)


@deploy
def __init__(
    network_token: INetworkToken,
    payment_token: IERC20,
    gateway: IPaymentGateway,
    price_feed: IPriceFeed,
    genesis: uint256,
    epoch_length: uint256,
    initial_emission: uint256,
    decay_bps: uint256,
    decay_period: uint256,
    max_supply: uint256,
    root_delay: uint256,
    max_price_age: uint256,
):
    access_control.__init__()
    pausable.__init__()
    epoch_clock.__init__(genesis, epoch_length)
    emission_schedule.__init__(initial_emission, decay_bps, decay_period, max_supply)
    NETWORK_TOKEN = network_token
    PAYMENT_TOKEN = payment_token
    GATEWAY = gateway
    PRICE_FEED = price_feed
    ROOT_DELAY = root_delay
    MAX_PRICE_AGE = max_price_age
    self._schedule = packing._pack_schedule(0, initial_emission, 0)


# --- finalization ---------------------------------------------------------


@internal
@view
def _fresh_price() -> uint256:
    price: uint256 = 0
    updated_at: uint256 = 0
    price, updated_at = staticcall PRICE_FEED.latest_price()
    assert price > 0, "distributor: no price"
    assert updated_at + MAX_PRICE_AGE >= block.timestamp, "distributor: stale price"
    return price


@external
def finalize(epoch: uint256, root: bytes32, subsidy: uint256, revenue: uint256, work_units: uint256, contributors: uint256):
    """
    @notice Finalizes `epoch` with the root of every account's cumulative
            entitlements; reporter only. Epochs go strictly in order, once
            they have ended, and only after the previous root took effect.
    @param epoch The next epoch to finalize.
    @param root The Merkle root (OpenZeppelin standard tree) of
           (chain id, distributor, account, cumulative subsidy, cumulative revenue).
    @param subsidy Network-token units allocated; at most `emission(epoch)`.
    @param revenue Payment-token units allocated; at most `revenue_pool()`.
    @param work_units The epoch's total work units.
    @param contributors The number of accounts with work in the epoch.
    """
    access_control._check_role(roles.REPORTER_ROLE, msg.sender)
    schedule: uint256 = self._schedule
    assert epoch == packing._schedule_next_epoch(schedule), "distributor: epoch out of order"
    assert epoch < emission_schedule.MAX_EPOCHS, "distributor: epoch out of range"
    assert block.timestamp >= epoch_clock._epoch_end(epoch), "distributor: epoch not ended"
    assert root != empty(bytes32), "distributor: empty root"
    ledger: uint256 = self._ledger
    assert block.timestamp >= packing._ledger_posted_at(ledger) + ROOT_DELAY, "distributor: previous root pending"
    price: uint256 = self._fresh_price()

    rate: uint256 = emission_schedule._next_rate(packing._schedule_rate(schedule), epoch)
    scheduled: uint256 = packing._schedule_total(schedule)
    allowed: uint256 = emission_schedule._capped(rate, scheduled, emission_schedule.MAX_SUPPLY)
    assert subsidy <= allowed, "distributor: subsidy over emission"

    available: uint256 = packing._ledger_carry(ledger) + staticcall GATEWAY.epoch_revenue(epoch)
    assert revenue <= available, "distributor: revenue over pool"
    carry: uint256 = available - revenue
    revenue_finalized: uint256 = packing._ledger_revenue_finalized(ledger) + revenue
    assert carry <= packing.MAX_LEDGER_AMOUNT and revenue_finalized <= packing.MAX_LEDGER_AMOUNT, "distributor: revenue out of range"

    self._schedule = packing._pack_schedule(scheduled + allowed, rate, epoch + 1)
    self._ledger = packing._pack_ledger(revenue_finalized, carry, block.timestamp)
    self.subsidy_finalized += subsidy
    if ROOT_DELAY > 0:
        # Only a root that can still be revoked needs its totals kept for undoing.
        self._pending = packing._pack_pair(subsidy, revenue)
    self._roots[epoch % 2] = root
    log EpochFinalized(
        epoch=epoch, root=root, subsidy=subsidy, revenue=revenue,
        work_units=work_units, contributors=contributors, price=price,
    )


@external
def revoke(epoch: uint256):
    """
    @notice Revokes the latest root before it takes effect; guardian only.
            The epoch can then be finalized again.
    @param epoch The latest finalized epoch, whose root is still pending.
    """
    access_control._check_role(roles.GUARDIAN_ROLE, msg.sender)
    schedule: uint256 = self._schedule
    next_epoch: uint256 = packing._schedule_next_epoch(schedule)
    assert next_epoch > 0 and epoch == next_epoch - 1, "distributor: not the latest root"
    ledger: uint256 = self._ledger
    assert block.timestamp < packing._ledger_posted_at(ledger) + ROOT_DELAY, "distributor: root already in effect"

    pending: uint256 = self._pending
    subsidy: uint256 = packing._pair_subsidy(pending)
    revenue: uint256 = packing._pair_revenue(pending)
    # Rebuild the schedule cache as it stood before this epoch was finalized.
    rate: uint256 = emission_schedule.INITIAL_EMISSION
    if epoch > 0:
        rate = emission_schedule._walk(epoch - 1)[0]
    scheduled: uint256 = emission_schedule._walk(epoch)[1]
    carry: uint256 = packing._ledger_carry(ledger) + revenue - staticcall GATEWAY.epoch_revenue(epoch)
    revenue_finalized: uint256 = packing._ledger_revenue_finalized(ledger) - revenue

    root: bytes32 = self._roots[epoch % 2]
    self._schedule = packing._pack_schedule(scheduled, rate, epoch)
    # The root before this one was already in effect, so nothing is pending now.
    self._ledger = packing._pack_ledger(revenue_finalized, carry, 0)
    self.subsidy_finalized -= subsidy
    self._pending = 0
    self._roots[epoch % 2] = empty(bytes32)
    log RootRevoked(epoch=epoch, root=root)


# --- claims ---------------------------------------------------------------


@internal
@view
def _claimable_root() -> bytes32:
    next_epoch: uint256 = packing._schedule_next_epoch(self._schedule)
    if next_epoch == 0:
        return empty(bytes32)
    if block.timestamp >= packing._ledger_posted_at(self._ledger) + ROOT_DELAY:
        return self._roots[(next_epoch - 1) % 2]
    if next_epoch == 1:
        return empty(bytes32)
    return self._roots[(next_epoch - 2) % 2]


@internal
@view
def _leaf(account: address, cumulative_subsidy: uint256, cumulative_revenue: uint256) -> bytes32:
    inner: bytes32 = keccak256(abi_encode(chain.id, self, account, cumulative_subsidy, cumulative_revenue))
    return keccak256(inner)


@internal
def _claim(root: bytes32, account: address, cumulative_subsidy: uint256, cumulative_revenue: uint256, proof: DynArray[bytes32, MAX_PROOF]):
    """
    @dev Proves the claim against `root`, records what the account has now
         claimed, books it against the finalized totals and pays it out.
    """
    assert merkle._verify(proof, root, self._leaf(account, cumulative_subsidy, cumulative_revenue)), "distributor: invalid proof"
    claimed: uint256 = self._claimed[account]
    claimed_subsidy: uint256 = packing._pair_subsidy(claimed)
    claimed_revenue: uint256 = packing._pair_revenue(claimed)
    subsidy: uint256 = 0
    revenue: uint256 = 0
    # An older root may prove less than was already claimed: that asset then pays nothing.
    if cumulative_subsidy > claimed_subsidy:
        subsidy = cumulative_subsidy - claimed_subsidy
        claimed_subsidy = cumulative_subsidy
    if cumulative_revenue > claimed_revenue:
        revenue = cumulative_revenue - claimed_revenue
        claimed_revenue = cumulative_revenue
    assert subsidy > 0 or revenue > 0, "distributor: nothing to claim"
    assert claimed_subsidy <= packing.MAX_PAIR_AMOUNT and claimed_revenue <= packing.MAX_PAIR_AMOUNT, "distributor: amount out of range"
    self._claimed[account] = packing._pack_pair(claimed_subsidy, claimed_revenue)
    log RewardClaimed(account=account, subsidy=subsidy, revenue=revenue)
    self._book(subsidy, revenue)
    self._pay_out(account, subsidy, revenue)


@internal
def _pay_out(account: address, subsidy: uint256, revenue: uint256):
    if subsidy > 0:
        extcall NETWORK_TOKEN.mint(account, subsidy)
    if revenue > 0:
        assert extcall PAYMENT_TOKEN.transfer(account, revenue, default_return_value=True)


@internal
def _book(subsidy: uint256, revenue: uint256):
    paid: uint256 = self._paid
    minted: uint256 = packing._pair_subsidy(paid) + subsidy
    revenue_paid: uint256 = packing._pair_revenue(paid) + revenue
    ledger: uint256 = self._ledger
    subsidy_cap: uint256 = self.subsidy_finalized
    revenue_cap: uint256 = packing._ledger_revenue_finalized(ledger)
    if block.timestamp < packing._ledger_posted_at(ledger) + ROOT_DELAY:
        # The latest root can still be revoked, so its totals must not back any claim yet:
        # a revocation would leave more paid out than was ever finalized.
        pending: uint256 = self._pending
        subsidy_cap -= packing._pair_subsidy(pending)
        revenue_cap -= packing._pair_revenue(pending)
    assert minted <= subsidy_cap, "distributor: subsidy over finalized"
    assert revenue_paid <= revenue_cap, "distributor: revenue over finalized"
    self._paid = packing._pack_pair(minted, revenue_paid)


@external
@nonreentrant
def claim(account: address, cumulative_subsidy: uint256, cumulative_revenue: uint256, proof: DynArray[bytes32, MAX_PROOF]):
    """
    @notice Pays `account` what its proven cumulative entitlement exceeds
            what it already claimed. Anyone may submit it; the account is paid.
    @param account The rewarded account.
    @param cumulative_subsidy Its cumulative subsidy entitlement (network-token units).
    @param cumulative_revenue Its cumulative revenue entitlement (payment-token units).
    @param proof The Merkle proof of the leaf against the claimable root.
    """
    pausable._require_not_paused()
    self._claim(self._claimable_root(), account, cumulative_subsidy, cumulative_revenue, proof)


@external
@nonreentrant
def claim_many(claims: DynArray[Claim, MAX_BATCH]):
    """
    @notice Submits several claims in one transaction; each account is paid
            its own rewards. Reverts whole if any claim is invalid.
    @param claims The claims, as for `claim`.
    """
    pausable._require_not_paused()
    root: bytes32 = self._claimable_root()
    for c: Claim in claims:
        self._claim(root, c.account, c.cumulative_subsidy, c.cumulative_revenue, c.proof)


@external
def pause():
    """
    @notice Stops claims; guardian only.
    """
    access_control._check_role(roles.GUARDIAN_ROLE, msg.sender)
    pausable._pause()


@external
def unpause():
    """
    @notice Resumes claims; admin only.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    pausable._unpause()


# --- views ----------------------------------------------------------------


@external
@view
def next_epoch() -> uint256:
    """
    @notice The next epoch to finalize (the number finalized so far).
    @return uint256 The epoch index.
    """
    return packing._schedule_next_epoch(self._schedule)


@external
@view
def next_emission() -> uint256:
    """
    @notice The most subsidy the next epoch to finalize may allocate.
    @return uint256 Network-token base units.
    """
    schedule: uint256 = self._schedule
    rate: uint256 = emission_schedule._next_rate(packing._schedule_rate(schedule), packing._schedule_next_epoch(schedule))
    return emission_schedule._capped(rate, packing._schedule_total(schedule), emission_schedule.MAX_SUPPLY)


@external
@view
def scheduled_total() -> uint256:
    """
    @notice The schedule's emission over all finalized epochs, allocated or not.
    @return uint256 Network-token base units.
    """
    return packing._schedule_total(self._schedule)


@external
@view
def revenue_pool() -> uint256:
    """
    @notice The revenue the next epoch to finalize may allocate: the
            unallocated carry-over plus that epoch's net payments so far.
    @return uint256 Payment-token base units.
    """
    return packing._ledger_carry(self._ledger) + staticcall GATEWAY.epoch_revenue(packing._schedule_next_epoch(self._schedule))


@external
@view
def revenue_carry() -> uint256:
    """
    @notice Revenue left unallocated by finalized epochs.
    @return uint256 Payment-token base units.
    """
    return packing._ledger_carry(self._ledger)


@external
@view
def revenue_finalized() -> uint256:
    """
    @notice Revenue allocated over all finalized epochs.
    @return uint256 Payment-token base units.
    """
    return packing._ledger_revenue_finalized(self._ledger)


@external
@view
def root_posted_at() -> uint256:
    """
    @notice When the latest root was posted (0 once revoked).
    @return uint256 Unix time.
    """
    return packing._ledger_posted_at(self._ledger)


@external
@view
def latest_root() -> bytes32:
    """
    @notice The latest finalized root, whether or not it is in effect yet.
    @return bytes32 The root, or zero before the first finalization.
    """
    next_epoch: uint256 = packing._schedule_next_epoch(self._schedule)
    if next_epoch == 0:
        return empty(bytes32)
    return self._roots[(next_epoch - 1) % 2]


@external
@view
def claimable_root() -> bytes32:
    """
    @notice The root that claims are proven against now.
    @return bytes32 The root, or zero when none is in effect.
    """
    return self._claimable_root()


@external
@view
def total_minted() -> uint256:
    """
    @notice Every network token this distributor ever minted.
    @return uint256 Network-token base units.
    """
    return packing._pair_subsidy(self._paid)


@external
@view
def total_revenue_paid() -> uint256:
    """
    @notice Every payment-token unit this distributor ever paid out.
    @return uint256 Payment-token base units.
    """
    return packing._pair_revenue(self._paid)


@external
@view
def claimed(account: address) -> (uint256, uint256):
    """
    @notice What `account` has claimed so far.
    @param account The account.
    @return (subsidy, revenue) in base units.
    """
    claimed: uint256 = self._claimed[account]
    return packing._pair_subsidy(claimed), packing._pair_revenue(claimed)


@external
@view
def leaf(account: address, cumulative_subsidy: uint256, cumulative_revenue: uint256) -> bytes32:
    """
    @notice The Merkle leaf of an entitlement on this deployment.
    @param account The account.
    @param cumulative_subsidy Cumulative subsidy entitlement.
    @param cumulative_revenue Cumulative revenue entitlement.
    @return bytes32 The leaf hash.
    """
    return self._leaf(account, cumulative_subsidy, cumulative_revenue)
