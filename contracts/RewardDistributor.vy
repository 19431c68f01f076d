# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel reward distributor
@notice Owns the emission schedule and the epochs. The reporter finalizes
        ended epochs, in order, one at a time or as a range, with a Merkle
        root over every account's cumulative entitlements and each epoch's
        totals. Anyone may then submit a claim for an account: subsidy is
        minted as network tokens, revenue is transferred in the payment
        token, each as the difference between the cumulative entitlement
        and what was already claimed. The account itself may send its
        rewards to another address, and may claim one asset alone.
@dev Hot state is packed so that finalizing and claiming touch few slots
     (the `packing` module names every field):
     - `_state` holds all a claim reads about the distributor: the
       finalized totals, when the latest root was posted, which root slot
       is the latest, and the two pause flags. A claim reads it, the root
       and the account's and the paid totals: four slots.
     - `_schedule` holds the emission schedule as it stood before the
       latest root's epochs, and how many epochs that root finalized. The
       next finalization walks those few epochs forward in memory; a
       revocation restores the schedule by zeroing the count. That makes
       `revoke` O(1) in the epoch (it used to rebuild the schedule from
       epoch 0) and restores every view exactly.
     - `_pending` holds what the latest root added and when the root
       before it was posted, written only when roots have a delay.
     - `_carry`, the unallocated revenue, is touched only by finalization.
     Roots live in a ring of two: the latest, and the one before it, which
     stays claimable while the latest waits out `ROOT_DELAY`.
"""

from ethereum.ercs import IERC20

from snekmate.auth import access_control
initializes: access_control

import epoch_clock
initializes: epoch_clock

import emission_schedule
initializes: emission_schedule

import roles

import packing

exports: (
    access_control.__interface__,
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
    def GENESIS() -> uint256: view
    def EPOCH_LENGTH() -> uint256: view

interface IPriceFeed:
    def price_at(t: uint256) -> (uint256, uint256): view
    def price_after(t: uint256) -> (uint256, uint256): view
    def GENESIS() -> uint256: view
    def EPOCH_LENGTH() -> uint256: view

interface INetworkToken:
    def mint(owner: address, amount: uint256): nonpayable
    def MINTER() -> address: view
    def MAX_SUPPLY() -> uint256: view


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

event RewardRecipient:
    account: indexed(address)
    recipient: indexed(address)
    subsidy: uint256
    revenue: uint256

event RootRevoked:
    epoch: indexed(uint256)
    root: bytes32

event Swept:
    receiver: indexed(address)
    amount: uint256

event Paused:
    account: address

event Unpaused:
    account: address

event FinalizationPaused:
    account: address

event FinalizationUnpaused:
    account: address


struct Claim:
    account: address
    cumulative_subsidy: uint256
    cumulative_revenue: uint256
    proof: DynArray[bytes32, MAX_PROOF]


# A proof of 32 covers four billion accounts.
MAX_PROOF: constant(uint256) = 32
# Vyper lays out the whole bound of a batch in memory, so the bound is what
# a batch costs even when it is short: 16 claims of 36 words stay cheap.
MAX_BATCH: constant(uint256) = 16
# Epochs one `finalize_range` may cover; the count is packed into 8 bits.
MAX_RANGE: constant(uint256) = 64
# A longer price age would only hide a dead feed (and overflow the check).
MAX_PRICE_AGE_LIMIT: constant(uint256) = 365 * 86_400

NETWORK_TOKEN: public(immutable(INetworkToken))
PAYMENT_TOKEN: public(immutable(IERC20))
GATEWAY: public(immutable(IPaymentGateway))
PRICE_FEED: public(immutable(IPriceFeed))
ROOT_DELAY: public(immutable(uint256))
MAX_PRICE_AGE: public(immutable(uint256))

_state: uint256
_schedule: uint256
_pending: uint256
_carry: uint256
_roots: bytes32[2]
_paid: uint256
_claimed: HashMap[address, uint256]


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
    epoch_clock.__init__(genesis, epoch_length)
    emission_schedule.__init__(initial_emission, decay_bps, decay_period, max_supply)
    # Each epoch's root must be able to take effect before the next epoch
    # ends, or the finalization backlog grows without bound.
    assert root_delay < epoch_length, "distributor: root delay not below epoch length"
    assert max_price_age > 0 and max_price_age <= MAX_PRICE_AGE_LIMIT, "distributor: max price age out of range"
    assert max_supply <= packing.MAX_AMOUNT, "distributor: max supply out of range"
    assert genesis <= packing.MAX_TIME, "distributor: genesis out of range"
    assert staticcall network_token.MINTER() == self, "distributor: not the token's minter"
    assert staticcall network_token.MAX_SUPPLY() >= max_supply, "distributor: token cap below max supply"
    assert staticcall gateway.GENESIS() == genesis and staticcall gateway.EPOCH_LENGTH() == epoch_length, "distributor: gateway clock differs"
    assert staticcall price_feed.GENESIS() == genesis and staticcall price_feed.EPOCH_LENGTH() == epoch_length, "distributor: price feed clock differs"
    NETWORK_TOKEN = network_token
    PAYMENT_TOKEN = payment_token
    GATEWAY = gateway
    PRICE_FEED = price_feed
    ROOT_DELAY = root_delay
    MAX_PRICE_AGE = max_price_age
    self._schedule = packing._pack(0, initial_emission, 0, 0)


# --- the schedule -------------------------------------------------------------


@internal
@view
def _step(total: uint256, rate: uint256, epoch: uint256) -> (uint256, uint256, uint256):
    """
    @dev Advances the schedule over `epoch`.
    @param total The scheduled emission of the epochs before `epoch`.
    @param rate The rate of the epoch before `epoch`.
    @param epoch The epoch.
    @return (uint256, uint256, uint256) The rate of `epoch`, its capped
            emission, and the scheduled emission up to and including it.
    """
    next_rate: uint256 = emission_schedule._next_rate(rate, epoch)
    allowed: uint256 = emission_schedule._capped(next_rate, total, emission_schedule.MAX_SUPPLY)
    return next_rate, allowed, total + allowed


@internal
@view
def _folded(schedule: uint256) -> (uint256, uint256, uint256):
    """
    @dev The schedule after the latest root's epochs.
    @param schedule The schedule word.
    @return (uint256, uint256, uint256) The scheduled total, the rate of
            the last finalized epoch, and the next epoch to finalize.
    """
    total: uint256 = packing._schedule_total(schedule)
    rate: uint256 = packing._schedule_rate(schedule)
    epoch: uint256 = packing._schedule_epoch(schedule)
    allowed: uint256 = 0
    for _: uint256 in range(packing._schedule_pending(schedule), bound=MAX_RANGE):
        rate, allowed, total = self._step(total, rate, epoch)
        epoch += 1
    return total, rate, epoch


# --- finalization -------------------------------------------------------------


@internal
@view
def _price(epoch: uint256) -> uint256:
    """
    @dev The price of `epoch`: the last one posted at or before its end,
         if it was posted at most `MAX_PRICE_AGE` before that end.
    @param epoch The epoch.
    @return uint256 USD per whole token, 8 decimals.
    """
    end: uint256 = epoch_clock._epoch_end(epoch)
    price: uint256 = 0
    updated_at: uint256 = 0
    price, updated_at = staticcall PRICE_FEED.price_at(end)
    if price == 0 or updated_at + MAX_PRICE_AGE < end:
        price = self._late_price(end, price)
    return price


@internal
@view
def _late_price(end: uint256, stale: uint256) -> uint256:
    """
    @dev The price of an epoch whose end saw no fresh price: the first one
         posted after that end. Without it an outage longer than the price
         age would leave epochs no price could ever be posted for, and
         block finalization for good; the reporter posts a price and goes on.
    @param end The epoch's end.
    @param stale The last price before the end, 0 when there was none.
    @return uint256 USD per whole token, 8 decimals.
    """
    price: uint256 = (staticcall PRICE_FEED.price_after(end))[0]
    if stale == 0:
        assert price > 0, "distributor: no price"
    assert price > 0, "distributor: stale price"
    return price


@internal
def _open(first: uint256, count: uint256, root: bytes32) -> (uint256, uint256, uint256):
    """
    @dev The checks every finalization makes before its epochs.
    @param first The first epoch to finalize.
    @param count How many epochs, from `first`.
    @param root The new root.
    @return (uint256, uint256, uint256) The state word, and the scheduled
            total and rate before `first`.
    """
    access_control._check_role(roles.REPORTER_ROLE, msg.sender)
    state: uint256 = self._state
    assert not packing._state_flag(state, packing.FINALIZATION_PAUSED_FLAG), "distributor: finalization paused"
    assert root != empty(bytes32), "distributor: empty root"
    assert block.timestamp >= packing._state_posted_at(state) + ROOT_DELAY, "distributor: previous root pending"
    total: uint256 = 0
    rate: uint256 = 0
    next_epoch: uint256 = 0
    total, rate, next_epoch = self._folded(self._schedule)
    assert first == next_epoch, "distributor: epoch out of order"
    last: uint256 = first + count - 1
    assert last < epoch_clock.MAX_EPOCHS, "distributor: epoch out of range"
    assert block.timestamp >= epoch_clock._epoch_end(last), "distributor: epoch not ended"
    return state, total, rate


@internal
def _epoch(
    epoch: uint256, root: bytes32, subsidy: uint256, revenue: uint256, work_units: uint256, contributors: uint256,
    total: uint256, rate: uint256, carry: uint256,
) -> (uint256, uint256, uint256):
    """
    @dev Checks one epoch's totals against its emission and pool and
         emits its `EpochFinalized`.
    @return (uint256, uint256, uint256) The scheduled total, the rate and
            the carry after the epoch.
    """
    next_rate: uint256 = 0
    allowed: uint256 = 0
    next_total: uint256 = 0
    next_rate, allowed, next_total = self._step(total, rate, epoch)
    assert subsidy <= allowed, "distributor: subsidy over emission"
    available: uint256 = carry + staticcall GATEWAY.epoch_revenue(epoch)
    assert revenue <= available, "distributor: revenue over pool"
    log EpochFinalized(
        epoch=epoch, root=root, subsidy=subsidy, revenue=revenue,
        work_units=work_units, contributors=contributors, price=self._price(epoch),
    )
    return next_total, next_rate, available - revenue


@internal
def _close(
    state: uint256, first: uint256, count: uint256, root: bytes32, total: uint256, rate: uint256,
    subsidy: uint256, revenue: uint256, carry: uint256,
):
    """
    @dev Records a finalization of `count` epochs from `first`: the new
         root, the totals, and what a revocation needs to undo it.
    """
    subsidy_finalized: uint256 = packing._state_subsidy(state) + subsidy
    revenue_finalized: uint256 = packing._state_revenue(state) + revenue
    assert subsidy_finalized <= packing.MAX_AMOUNT and revenue_finalized <= packing.MAX_AMOUNT, "distributor: amount out of range"
    assert block.timestamp <= packing.MAX_TIME, "distributor: time out of range"
    slot: uint256 = 1 - packing._state_latest_slot(state)
    self._roots[slot] = root
    self._state = packing._pack(
        subsidy_finalized, revenue_finalized, block.timestamp,
        (state & packing.PAUSE_FLAGS) | slot,
    )
    self._schedule = packing._pack(total, rate, first, count)
    self._carry = carry
    if ROOT_DELAY > 0:
        # Only a root that can still be revoked needs its undo kept.
        self._pending = packing._pack(subsidy, revenue, packing._state_posted_at(state), 0)


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
    # `_open`, `_epoch` and `_close` written out for one epoch: their calls and
    # tuples cost this, the call every epoch makes, ~1.5k gas.
    access_control._check_role(roles.REPORTER_ROLE, msg.sender)
    state: uint256 = self._state
    assert state & packing.FINALIZATION_PAUSED_FLAG == 0, "distributor: finalization paused"
    assert root != empty(bytes32), "distributor: empty root"
    posted_at: uint256 = packing._state_posted_at(state)
    assert block.timestamp >= posted_at + ROOT_DELAY, "distributor: previous root pending"
    schedule: uint256 = self._schedule
    total: uint256 = 0
    rate: uint256 = 0
    next_epoch: uint256 = 0
    if packing._schedule_pending(schedule) == 1:
        # The usual case: one epoch to fold, without the loop.
        next_epoch = packing._schedule_epoch(schedule)
        rate = emission_schedule._next_rate(packing._schedule_rate(schedule), next_epoch)
        total = packing._schedule_total(schedule)
        total += emission_schedule._capped(rate, total, emission_schedule.MAX_SUPPLY)
        next_epoch += 1
    else:
        total, rate, next_epoch = self._folded(schedule)
    assert epoch == next_epoch, "distributor: epoch out of order"
    assert epoch < epoch_clock.MAX_EPOCHS, "distributor: epoch out of range"
    end: uint256 = epoch_clock._epoch_end(epoch)
    assert block.timestamp >= end, "distributor: epoch not ended"
    assert subsidy <= emission_schedule._capped(emission_schedule._next_rate(rate, epoch), total, emission_schedule.MAX_SUPPLY), "distributor: subsidy over emission"
    available: uint256 = self._carry + staticcall GATEWAY.epoch_revenue(epoch)
    assert revenue <= available, "distributor: revenue over pool"
    price: uint256 = 0
    price_time: uint256 = 0
    price, price_time = staticcall PRICE_FEED.price_at(end)
    if price == 0 or price_time + MAX_PRICE_AGE < end:
        price = self._late_price(end, price)
    log EpochFinalized(
        epoch=epoch, root=root, subsidy=subsidy, revenue=revenue,
        work_units=work_units, contributors=contributors, price=price,
    )
    subsidy_finalized: uint256 = packing._state_subsidy(state) + subsidy
    revenue_finalized: uint256 = packing._state_revenue(state) + revenue
    assert subsidy_finalized <= packing.MAX_AMOUNT and revenue_finalized <= packing.MAX_AMOUNT, "distributor: amount out of range"
    assert block.timestamp <= packing.MAX_TIME, "distributor: time out of range"
    slot: uint256 = 1 - (state & packing.LATEST_ROOT_FLAG)
    self._roots[slot] = root
    self._state = packing._pack(subsidy_finalized, revenue_finalized, block.timestamp, (state & packing.PAUSE_FLAGS) | slot)
    self._schedule = packing._pack(total, rate, epoch, 1)
    self._carry = available - revenue
    if ROOT_DELAY > 0:
        self._pending = packing._pack(subsidy, revenue, posted_at, 0)


@external
def finalize_range(
    first: uint256, last: uint256, root: bytes32, subsidies: DynArray[uint256, MAX_RANGE],
    revenues: DynArray[uint256, MAX_RANGE], work_units: uint256, contributors: uint256,
):
    """
    @notice Finalizes the epochs `first` to `last` with one root;
            reporter only. Each epoch is checked and logged as `finalize`
            checks and logs it, with its own subsidy, revenue and price,
            so a backlog left by an outage is cleared in one transaction.
    @param first The next epoch to finalize.
    @param last The last epoch of the range; it must have ended.
    @param root The root after `last`, as for `finalize`.
    @param subsidies Each epoch's subsidy; `subsidies[i]` at most `emission(first + i)`.
    @param revenues Each epoch's revenue, checked against the running pool.
    @param work_units The work file's total work units, logged on `last`'s event (0 on the others).
    @param contributors The work file's number of accounts, logged likewise.
    """
    assert last >= first and last - first < MAX_RANGE, "distributor: range out of bounds"
    count: uint256 = last - first + 1
    assert len(subsidies) == count and len(revenues) == count, "distributor: range length mismatch"
    state: uint256 = 0
    start_total: uint256 = 0
    start_rate: uint256 = 0
    state, start_total, start_rate = self._open(first, count, root)
    total: uint256 = start_total
    rate: uint256 = start_rate
    carry: uint256 = self._carry
    subsidy: uint256 = 0
    revenue: uint256 = 0
    for i: uint256 in range(count, bound=MAX_RANGE):
        units: uint256 = 0
        accounts: uint256 = 0
        if i == count - 1:
            units = work_units
            accounts = contributors
        total, rate, carry = self._epoch(first + i, root, subsidies[i], revenues[i], units, accounts, total, rate, carry)
        subsidy += subsidies[i]
        revenue += revenues[i]
    self._close(state, first, count, root, start_total, start_rate, subsidy, revenue, carry)


@external
def revoke(epoch: uint256):
    """
    @notice Revokes the latest root before it takes effect; guardian only.
            Its epochs can then be finalized again, and every view reads
            as it did before that root.
    @param epoch The latest finalized epoch, whose root is still pending.
    """
    access_control._check_role(roles.GUARDIAN_ROLE, msg.sender)
    schedule: uint256 = self._schedule
    count: uint256 = packing._schedule_pending(schedule)
    first: uint256 = packing._schedule_epoch(schedule)
    assert epoch + 1 == first + count, "distributor: not the latest root"
    state: uint256 = self._state
    # After a revocation the count is 0 and the restored root is in effect already.
    assert count > 0 and block.timestamp < packing._state_posted_at(state) + ROOT_DELAY, "distributor: root already in effect"

    pending: uint256 = self._pending
    latest: uint256 = packing._state_latest_slot(state)
    root: bytes32 = self._roots[latest]
    income: uint256 = 0
    for i: uint256 in range(count, bound=MAX_RANGE):
        income += staticcall GATEWAY.epoch_revenue(first + i)
        log RootRevoked(epoch=first + i, root=root)
    # The range's epochs have ended, so their payments are what they were when finalized.
    self._carry = self._carry + packing._low(pending) - income
    self._schedule = packing._pack(packing._schedule_total(schedule), packing._schedule_rate(schedule), first, 0)
    self._state = packing._pack(
        packing._state_subsidy(state) - packing._high(pending),
        packing._state_revenue(state) - packing._low(pending),
        packing._time(pending),
        (state & packing.PAUSE_FLAGS) | (1 - latest),
    )


# --- claims -------------------------------------------------------------------


@internal
@view
def _claimable_root(state: uint256) -> bytes32:
    latest: uint256 = packing._state_latest_slot(state)
    if block.timestamp >= packing._state_posted_at(state) + ROOT_DELAY:
        return self._roots[latest]
    # Before the first root takes effect this slot was never written: empty.
    return self._roots[1 - latest]


@internal
@view
def _leaf(account: address, cumulative_subsidy: uint256, cumulative_revenue: uint256) -> bytes32:
    inner: bytes32 = keccak256(abi_encode(chain.id, self, account, cumulative_subsidy, cumulative_revenue))
    return keccak256(inner)


@internal
@view
def _proves(root: bytes32, leaf: bytes32, proof: DynArray[bytes32, MAX_PROOF]) -> bool:
    """
    @dev OpenZeppelin's proof check (pairs hashed in sorted order), walked
         over the proof as given rather than through a copy into a
         255-slot buffer.
    """
    node: bytes32 = leaf
    for sibling: bytes32 in proof:
        # abi_encode of two words hashes the same 64 bytes as concat, for less copying.
        if convert(node, uint256) < convert(sibling, uint256):
            node = keccak256(abi_encode(node, sibling))
        else:
            node = keccak256(abi_encode(sibling, node))
    return node == root


@internal
@view
def _due(
    account: address, cumulative_subsidy: uint256, cumulative_revenue: uint256, take_subsidy: bool, take_revenue: bool,
) -> (uint256, uint256, uint256):
    """
    @dev What a claim of the assets taken pays, before its proof is checked.
    @return (uint256, uint256, uint256) The subsidy and revenue to pay, and
            the account's claimed word once paid; (0, 0, _) when the account
            already has every asset taken.
    """
    claimed: uint256 = self._claimed[account]
    claimed_subsidy: uint256 = packing._pair_subsidy(claimed)
    claimed_revenue: uint256 = packing._pair_revenue(claimed)
    subsidy: uint256 = 0
    revenue: uint256 = 0
    # An older root may prove less than was already claimed: that asset then pays nothing.
    if take_subsidy and cumulative_subsidy > claimed_subsidy:
        subsidy = cumulative_subsidy - claimed_subsidy
        claimed_subsidy = cumulative_subsidy
    if take_revenue and cumulative_revenue > claimed_revenue:
        revenue = cumulative_revenue - claimed_revenue
        claimed_revenue = cumulative_revenue
    assert claimed_subsidy <= packing.MAX_PAIR_AMOUNT and claimed_revenue <= packing.MAX_PAIR_AMOUNT, "distributor: amount out of range"
    return subsidy, revenue, packing._pack_pair(claimed_subsidy, claimed_revenue)


@internal
def _book(state: uint256, subsidy: uint256, revenue: uint256):
    """
    @dev Books payouts against the finalized totals, once per transaction.
    """
    paid: uint256 = self._paid
    minted: uint256 = packing._pair_subsidy(paid) + subsidy
    revenue_paid: uint256 = packing._pair_revenue(paid) + revenue
    subsidy_cap: uint256 = packing._state_subsidy(state)
    revenue_cap: uint256 = packing._state_revenue(state)
    if block.timestamp < packing._state_posted_at(state) + ROOT_DELAY:
        # The latest root can still be revoked, so its totals must not back any claim yet:
        # a revocation would leave more paid out than was ever finalized.
        pending: uint256 = self._pending
        subsidy_cap -= packing._high(pending)
        revenue_cap -= packing._low(pending)
    assert minted <= subsidy_cap, "distributor: subsidy over finalized"
    assert revenue_paid <= revenue_cap, "distributor: revenue over finalized"
    self._paid = packing._pack_pair(minted, revenue_paid)


@internal
def _pay_out(recipient: address, subsidy: uint256, revenue: uint256):
    if subsidy > 0:
        extcall NETWORK_TOKEN.mint(recipient, subsidy)
    if revenue > 0:
        assert extcall PAYMENT_TOKEN.transfer(recipient, revenue, default_return_value=True)


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
    state: uint256 = self._state
    assert state & packing.CLAIMS_PAUSED_FLAG == 0, "distributor: claims paused"
    subsidy: uint256 = 0
    revenue: uint256 = 0
    claimed: uint256 = 0
    subsidy, revenue, claimed = self._due(account, cumulative_subsidy, cumulative_revenue, True, True)
    assert subsidy > 0 or revenue > 0, "distributor: nothing to claim"
    # `_proves` written out: passing the proof to it would copy it once more.
    node: bytes32 = self._leaf(account, cumulative_subsidy, cumulative_revenue)
    for sibling: bytes32 in proof:
        if convert(node, uint256) < convert(sibling, uint256):
            node = keccak256(abi_encode(node, sibling))
        else:
            node = keccak256(abi_encode(sibling, node))
    assert node == self._claimable_root(state), "distributor: invalid proof"
    self._claimed[account] = claimed
    self._book(state, subsidy, revenue)
    log RewardClaimed(account=account, subsidy=subsidy, revenue=revenue)
    self._pay_out(account, subsidy, revenue)


@external
@nonreentrant
def claim_to(
    recipient: address, cumulative_subsidy: uint256, cumulative_revenue: uint256, proof: DynArray[bytes32, MAX_PROOF],
    subsidy: bool = True, revenue: bool = True,
):
    """
    @notice Claims the caller's own rewards and sends them to `recipient`,
            for example when the payment token refuses the account, or
            when one asset should wait: each asset may be left unclaimed.
    @param recipient Who receives the tokens.
    @param cumulative_subsidy The caller's cumulative subsidy entitlement.
    @param cumulative_revenue The caller's cumulative revenue entitlement.
    @param proof The Merkle proof of the leaf against the claimable root.
    @param subsidy Whether to claim the subsidy.
    @param revenue Whether to claim the revenue.
    """
    assert recipient != empty(address), "distributor: zero recipient"
    state: uint256 = self._state
    assert state & packing.CLAIMS_PAUSED_FLAG == 0, "distributor: claims paused"
    paid_subsidy: uint256 = 0
    paid_revenue: uint256 = 0
    claimed: uint256 = 0
    paid_subsidy, paid_revenue, claimed = self._due(msg.sender, cumulative_subsidy, cumulative_revenue, subsidy, revenue)
    assert paid_subsidy > 0 or paid_revenue > 0, "distributor: nothing to claim"
    assert self._proves(self._claimable_root(state), self._leaf(msg.sender, cumulative_subsidy, cumulative_revenue), proof), "distributor: invalid proof"
    self._claimed[msg.sender] = claimed
    self._book(state, paid_subsidy, paid_revenue)
    log RewardClaimed(account=msg.sender, subsidy=paid_subsidy, revenue=paid_revenue)
    if recipient != msg.sender:
        log RewardRecipient(account=msg.sender, recipient=recipient, subsidy=paid_subsidy, revenue=paid_revenue)
    self._pay_out(recipient, paid_subsidy, paid_revenue)


@external
@nonreentrant
def claim_many(claims: DynArray[Claim, MAX_BATCH]) -> uint256:
    """
    @notice Submits several claims in one transaction; each account is paid
            its own rewards. An entry with nothing left to claim (someone
            claimed it first) is skipped, so a race cannot revert the
            batch; an invalid proof still reverts it whole.
    @param claims The claims, as for `claim`.
    @return uint256 How many entries were skipped.
    """
    state: uint256 = self._state
    assert state & packing.CLAIMS_PAUSED_FLAG == 0, "distributor: claims paused"
    root: bytes32 = self._claimable_root(state)
    subsidies: uint256[MAX_BATCH] = empty(uint256[MAX_BATCH])
    revenues: uint256[MAX_BATCH] = empty(uint256[MAX_BATCH])
    subsidy_total: uint256 = 0
    revenue_total: uint256 = 0
    skipped: uint256 = 0
    for i: uint256 in range(len(claims), bound=MAX_BATCH):
        account: address = claims[i].account
        cumulative_subsidy: uint256 = claims[i].cumulative_subsidy
        cumulative_revenue: uint256 = claims[i].cumulative_revenue
        subsidy: uint256 = 0
        revenue: uint256 = 0
        claimed: uint256 = 0
        subsidy, revenue, claimed = self._due(account, cumulative_subsidy, cumulative_revenue, True, True)
        if subsidy == 0 and revenue == 0:
            skipped += 1
            continue
        assert self._proves(root, self._leaf(account, cumulative_subsidy, cumulative_revenue), claims[i].proof), "distributor: invalid proof"
        self._claimed[account] = claimed
        log RewardClaimed(account=account, subsidy=subsidy, revenue=revenue)
        subsidies[i] = subsidy
        revenues[i] = revenue
        subsidy_total += subsidy
        revenue_total += revenue
    # The caps are checked once, on the batch's totals, before anything is paid.
    self._book(state, subsidy_total, revenue_total)
    for i: uint256 in range(len(claims), bound=MAX_BATCH):
        self._pay_out(claims[i].account, subsidies[i], revenues[i])
    return skipped


# --- the guardian's and the admin's levers -----------------------------------


@internal
def _set_flag(flag: uint256, on: bool):
    state: uint256 = self._state
    assert packing._state_flag(state, flag) != on, "distributor: already so"
    if on:
        self._state = state | flag
    else:
        self._state = state & ~flag


@external
def pause():
    """
    @notice Stops claims; guardian only.
    """
    access_control._check_role(roles.GUARDIAN_ROLE, msg.sender)
    self._set_flag(packing.CLAIMS_PAUSED_FLAG, True)
    log Paused(account=msg.sender)


@external
def unpause():
    """
    @notice Resumes claims; admin only.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._set_flag(packing.CLAIMS_PAUSED_FLAG, False)
    log Unpaused(account=msg.sender)


@external
def pause_finalization():
    """
    @notice Stops new roots, for instance while a suspect root waits out
            its delay; guardian only.
    """
    access_control._check_role(roles.GUARDIAN_ROLE, msg.sender)
    self._set_flag(packing.FINALIZATION_PAUSED_FLAG, True)
    log FinalizationPaused(account=msg.sender)


@external
def unpause_finalization():
    """
    @notice Resumes finalization; admin only.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._set_flag(packing.FINALIZATION_PAUSED_FLAG, False)
    log FinalizationUnpaused(account=msg.sender)


@internal
@view
def _revenue_owed() -> uint256:
    """
    @dev Every payment-token unit the distributor holds for someone:
         finalized and not paid, carried over, and paid into epochs not
         finalized yet.
    """
    state: uint256 = self._state
    owed: uint256 = packing._state_revenue(state) - packing._pair_revenue(self._paid) + self._carry
    if block.timestamp < epoch_clock.GENESIS:
        return owed
    schedule: uint256 = self._schedule
    first: uint256 = packing._schedule_epoch(schedule) + packing._schedule_pending(schedule)
    current: uint256 = epoch_clock._current_epoch()
    if current < first:
        return owed
    assert current - first < MAX_RANGE, "distributor: finalize the backlog first"
    for epoch: uint256 in range(first, current + 1, bound=MAX_RANGE):
        owed += staticcall GATEWAY.epoch_revenue(epoch)
    return owed


@external
@nonreentrant
def sweep(receiver: address) -> uint256:
    """
    @notice Sends `receiver` the payment tokens the distributor holds
            beyond what it owes (tokens sent to it directly); admin only.
    @param receiver Who receives them.
    @return uint256 The amount swept, in payment-token base units.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert receiver != empty(address) and receiver != self, "distributor: bad receiver"
    balance: uint256 = staticcall PAYMENT_TOKEN.balanceOf(self)
    owed: uint256 = self._revenue_owed()
    assert balance > owed, "distributor: nothing to sweep"
    amount: uint256 = balance - owed
    log Swept(receiver=receiver, amount=amount)
    assert extcall PAYMENT_TOKEN.transfer(receiver, amount, default_return_value=True)
    return amount


# --- views --------------------------------------------------------------------


@external
@view
def paused() -> bool:
    """
    @notice Whether claims are paused.
    @return bool True when paused.
    """
    return packing._state_flag(self._state, packing.CLAIMS_PAUSED_FLAG)


@external
@view
def finalization_paused() -> bool:
    """
    @notice Whether finalization is paused.
    @return bool True when paused.
    """
    return packing._state_flag(self._state, packing.FINALIZATION_PAUSED_FLAG)


@external
@view
def next_epoch() -> uint256:
    """
    @notice The next epoch to finalize (the number finalized so far).
    @return uint256 The epoch index.
    """
    schedule: uint256 = self._schedule
    return packing._schedule_epoch(schedule) + packing._schedule_pending(schedule)


@external
@view
def next_emission() -> uint256:
    """
    @notice The most subsidy the next epoch to finalize may allocate.
    @return uint256 Network-token base units.
    """
    total: uint256 = 0
    rate: uint256 = 0
    epoch: uint256 = 0
    total, rate, epoch = self._folded(self._schedule)
    allowed: uint256 = 0
    rate, allowed, total = self._step(total, rate, epoch)
    return allowed


@external
@view
def scheduled_total() -> uint256:
    """
    @notice The schedule's emission over all finalized epochs, allocated or not.
    @return uint256 Network-token base units.
    """
    return self._folded(self._schedule)[0]


@external
@view
def revenue_pool() -> uint256:
    """
    @notice The revenue the next epoch to finalize may allocate: the
            unallocated carry-over plus that epoch's net payments so far.
    @return uint256 Payment-token base units.
    """
    schedule: uint256 = self._schedule
    return self._carry + staticcall GATEWAY.epoch_revenue(packing._schedule_epoch(schedule) + packing._schedule_pending(schedule))


@external
@view
def revenue_carry() -> uint256:
    """
    @notice Revenue left unallocated by finalized epochs.
    @return uint256 Payment-token base units.
    """
    return self._carry


@external
@view
def revenue_owed() -> uint256:
    """
    @notice The payment tokens the distributor must keep: finalized and
            unpaid, carried over, and paid into unfinalized epochs.
    @return uint256 Payment-token base units.
    """
    return self._revenue_owed()


@external
@view
def revenue_finalized() -> uint256:
    """
    @notice Revenue allocated over all finalized epochs.
    @return uint256 Payment-token base units.
    """
    return packing._state_revenue(self._state)


@external
@view
def subsidy_finalized() -> uint256:
    """
    @notice Subsidy allocated over all finalized epochs.
    @return uint256 Network-token base units.
    """
    return packing._state_subsidy(self._state)


@external
@view
def root_posted_at() -> uint256:
    """
    @notice When the latest root was posted; after a revocation, when the
            root before it was.
    @return uint256 Unix time, or 0 before any root.
    """
    return packing._state_posted_at(self._state)


@external
@view
def latest_root() -> bytes32:
    """
    @notice The latest finalized root, whether or not it is in effect yet.
    @return bytes32 The root, or zero before the first finalization.
    """
    return self._roots[packing._state_latest_slot(self._state)]


@external
@view
def claimable_root() -> bytes32:
    """
    @notice The root that claims are proven against now.
    @return bytes32 The root, or zero when none is in effect.
    """
    return self._claimable_root(self._state)


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
