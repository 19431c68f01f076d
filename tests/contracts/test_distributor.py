"""RewardDistributor: finalization, the root delay and revocation, claims, pausing, reentrancy."""

from __future__ import annotations

import boa
import pytest
from eth.exceptions import Revert
from eth_abi import encode
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.settle.merkle import Entitlement, EntitlementTree, leaf_hash
from tests.contracts.conftest import ROOT_DELAY
from tests.contracts.support import (
    MAX_EPOCHS, ZERO32, ZERO_ADDRESS, as_sender, assert_spec_event_abi, assert_spec_topics, events, fields, now, set_time,
    transfers,
)
from indexer.chain import system as declared
from tests.contracts.system import GUARDIAN_ROLE, REPORTER_ROLE, TOKEN, USD, Params, System, deploy, load

ADMIN_ROLE = b"\x00" * 32
PRICE = 2 * 10**8


def net(system: System, amount: int) -> int:
    return amount - -(-amount * system.params.fee_bps // 10_000)  # the fee rounds up


def ready(s: System, epoch: int, price: int | None = PRICE) -> None:
    """Moves time to when `epoch` may be finalized (ended, previous root in effect), posting a price first
    while it still counts for `epoch` (a price counts for the epochs that end after it was posted)."""
    t = max(now(), s.epoch_end(epoch))
    posted = s.distributor.root_posted_at()
    if posted:
        t = max(t, posted + s.params.root_delay)
    if price is not None and now() <= s.epoch_end(epoch):
        s.post_price(price)
        price = None
    set_time(t)
    if price is not None:
        s.post_price(price)


def close(s: System, epoch: int, ents: dict, subsidy: int, revenue: int = 0, **kw) -> EntitlementTree:
    ready(s, epoch)
    tree = s.tree(ents)
    s.finalize(epoch, tree, subsidy, revenue, **kw)
    return tree


def reporter_finalize(s: System, epoch: int, root: bytes, subsidy: int, revenue: int, sender=None):
    with as_sender(sender or s.reporter):
        s.distributor.finalize(epoch, root, subsidy, revenue, 1, 1)


def snapshot(d) -> dict:
    """Every view that describes the distributor's state, except when the latest root was posted."""
    return {
        name: getattr(d, name)()
        for name in (
            "next_epoch", "next_emission", "scheduled_total", "revenue_pool", "revenue_carry", "revenue_finalized",
            "subsidy_finalized", "latest_root", "claimable_root", "total_minted", "total_revenue_paid", "paused",
        )
    }


def take_effect(s: System) -> None:
    set_time(max(now(), s.distributor.root_posted_at() + s.params.root_delay))


# --- deployment -------------------------------------------------------------------


def test_events_match_spec(system):
    for name in ("EpochFinalized", "RewardClaimed", "RootRevoked"):
        assert_spec_event_abi(system.distributor, name)


def test_views_after_deployment(system):
    d, p = system.distributor, system.params
    assert d.NETWORK_TOKEN() == system.token.address
    assert d.PAYMENT_TOKEN() == system.usd.address
    assert d.GATEWAY() == system.gateway.address
    assert d.PRICE_FEED() == system.feed.address
    assert (d.ROOT_DELAY(), d.MAX_PRICE_AGE()) == (p.root_delay, p.max_price_age)
    assert (d.INITIAL_EMISSION(), d.DECAY_BPS(), d.DECAY_PERIOD(), d.MAX_SUPPLY()) == (
        p.initial_emission, p.decay_bps, p.decay_period, p.max_supply)
    assert (d.GENESIS(), d.EPOCH_LENGTH(), d.current_epoch()) == (system.genesis, p.epoch_length, 0)
    assert snapshot(d) == {
        "next_epoch": 0, "next_emission": p.initial_emission, "scheduled_total": 0, "revenue_pool": 0,
        "revenue_carry": 0, "revenue_finalized": 0, "subsidy_finalized": 0, "latest_root": ZERO32,
        "claimable_root": ZERO32, "total_minted": 0, "total_revenue_paid": 0, "paused": False,
    }
    assert d.root_posted_at() == 0
    assert d.claimed(system.admin) == (0, 0)
    assert d.hasRole(ADMIN_ROLE, system.admin) and d.hasRole(REPORTER_ROLE, system.reporter)
    assert d.hasRole(GUARDIAN_ROLE, system.guardian)
    assert not d.hasRole(REPORTER_ROLE, system.admin) and not d.hasRole(GUARDIAN_ROLE, system.admin)


def test_leaf_view_matches_the_tree_format(system, people):
    d = system.distributor
    e = Entitlement(people["alice"], 12 * TOKEN, 34 * USD)
    assert d.leaf(e.account, e.cumulative_subsidy, e.cumulative_revenue) == leaf_hash(
        boa.env.evm.patch.chain_id, d.address, e)


def distributor_for(system: System, token_cap: int | None = None, gateway=None, feed=None, **change):
    """A second distributor beside `system`'s contracts, with a token of its own naming it as minter."""
    a = dict(epoch_length=3600, initial_emission=100, decay_bps=0, decay_period=1, max_supply=1_000, root_delay=0,
             max_price_age=86_400, genesis=system.genesis)
    a.update(change)
    me = boa.env.eoa
    nonce = boa.env.evm.vm.state.get_nonce(bytes.fromhex(me[2:]))
    ahead = declared.ahead(["network_token", "reward_distributor"], me, nonce)
    token = load("NetworkToken", "X", "X", token_cap or max(a["max_supply"], 1), ahead["reward_distributor"])
    return load(
        "RewardDistributor", token.address, system.usd.address, (gateway or system.gateway).address,
        (feed or system.feed).address, a["genesis"], a["epoch_length"], a["initial_emission"], a["decay_bps"],
        a["decay_period"], a["max_supply"], a["root_delay"], a["max_price_age"],
    )


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(decay_bps=10_001), "schedule: decay over 10000 bps"),
        (dict(decay_period=0), "schedule: zero decay period"),
        (dict(max_supply=0, initial_emission=0), "schedule: max supply out of range"),
        (dict(max_supply=2**112, token_cap=1), "schedule: max supply out of range"),
        (dict(initial_emission=10_001, max_supply=10_000), "schedule: initial emission over max supply"),
        (dict(epoch_length=0), "clock: zero epoch length"),
    ],
)
def test_constructor_refuses_bad_parameters(system, change, reason):
    with boa.reverts(reason):
        distributor_for(system, **change)


@pytest.mark.parametrize(
    "change, reason",
    [
        # A delay of a whole epoch lets the backlog of unfinalized epochs grow without bound.
        (dict(root_delay=3600), "distributor: root delay not below epoch length"),
        (dict(root_delay=10**9), "distributor: root delay not below epoch length"),
        # A huge price age used to overflow the staleness check and block every finalization.
        (dict(max_price_age=2**256 - 1), "distributor: max price age out of range"),
        (dict(max_price_age=0), "distributor: max price age out of range"),
        (dict(max_supply=2**104, initial_emission=1), "distributor: max supply out of range"),
        (dict(token_cap=999), "distributor: token cap below max supply"),
    ],
)
def test_constructor_refuses_unsafe_settings(system, change, reason):
    with boa.reverts(reason):
        distributor_for(system, **change)


def test_constructor_cross_checks_the_other_contracts(system):
    p = system.params
    other = load("PaymentGateway", system.usd.address, system.treasury, 0, system.genesis + 1, p.epoch_length)
    with boa.reverts("distributor: gateway clock differs"):
        distributor_for(system, gateway=other, epoch_length=p.epoch_length)
    other = load("PaymentGateway", system.usd.address, system.treasury, 0, system.genesis, p.epoch_length * 2)
    with boa.reverts("distributor: gateway clock differs"):
        distributor_for(system, gateway=other, epoch_length=p.epoch_length)
    feed = load("PriceFeed", system.genesis + 1, p.epoch_length)
    with boa.reverts("distributor: price feed clock differs"):
        distributor_for(system, feed=feed, epoch_length=p.epoch_length)
    # A token naming someone else as its minter would make every claim revert.
    with boa.reverts("distributor: not the token's minter"):
        load(
            "RewardDistributor", system.token.address, system.usd.address, system.gateway.address,
            system.feed.address, system.genesis, p.epoch_length, 1, 0, 1, 1_000, 0, 86_400,
        )


def test_largest_max_supply_accepted(system):
    d = distributor_for(system, initial_emission=2**104 - 1, max_supply=2**104 - 1)
    assert d.emission(0) == 2**104 - 1 and d.emission(1) == 0


# --- finalize -----------------------------------------------------------------------


def test_finalize(system, people):
    d, alice = system.distributor, people["alice"]
    system.pay(people["carol"], 1_000 * USD)
    pool = net(system, 1_000 * USD)
    ready(system, 0, price=314_159_265)
    tree = system.tree({alice: (400 * TOKEN, 300 * USD)})
    with as_sender(system.reporter):
        d.finalize(0, tree.root, 400 * TOKEN, 300 * USD, 12_345, 7)
    assert [fields(e) for e in events(d, "EpochFinalized")] == [{
        "epoch": 0, "root": tree.root, "subsidy": 400 * TOKEN, "revenue": 300 * USD, "work_units": 12_345,
        "contributors": 7, "price": 314_159_265,
    }]
    assert_spec_topics(d, "EpochFinalized")
    assert snapshot(d) == {
        "next_epoch": 1, "next_emission": system.params.initial_emission,
        "scheduled_total": system.params.initial_emission, "revenue_pool": pool - 300 * USD,
        "revenue_carry": pool - 300 * USD, "revenue_finalized": 300 * USD, "subsidy_finalized": 400 * TOKEN,
        "latest_root": tree.root, "claimable_root": tree.root, "total_minted": 0, "total_revenue_paid": 0,
        "paused": False,
    }
    assert d.root_posted_at() == now()


@pytest.mark.parametrize("role", ["admin", "guardian", "treasury"])
def test_finalize_reporter_only(system, role):
    ready(system, 0)
    with boa.reverts("access_control: account is missing role"):
        reporter_finalize(system, 0, b"\x01" * 32, 0, 0, sender=getattr(system, role))


def test_revoked_reporter_cannot_finalize(system):
    ready(system, 0)
    with as_sender(system.admin):
        system.distributor.revokeRole(REPORTER_ROLE, system.reporter)
    with boa.reverts("access_control: account is missing role"):
        reporter_finalize(system, 0, b"\x01" * 32, 0, 0)


def test_finalize_strictly_in_order(system):
    ready(system, 2)
    root = b"\x01" * 32
    for wrong in (1, 2, 5):
        with boa.reverts("distributor: epoch out of order"):
            reporter_finalize(system, wrong, root, 0, 0)
    reporter_finalize(system, 0, root, 0, 0)
    for wrong in (0, 2):
        with boa.reverts("distributor: epoch out of order"):
            reporter_finalize(system, wrong, root, 0, 0)
    reporter_finalize(system, 1, root, 0, 0)
    reporter_finalize(system, 2, root, 0, 0)
    assert system.distributor.next_epoch() == 3


def test_only_ended_epochs(system):
    root = b"\x01" * 32
    system.post_price()
    with boa.reverts("distributor: epoch not ended"):
        reporter_finalize(system, 0, root, 0, 0)
    set_time(system.epoch_end(0) - 1)
    with boa.reverts("distributor: epoch not ended"):
        reporter_finalize(system, 0, root, 0, 0)
    set_time(system.epoch_end(0))
    reporter_finalize(system, 0, root, 0, 0)
    with boa.reverts("distributor: epoch not ended"):
        reporter_finalize(system, 1, root, 0, 0)


def test_empty_root_refused(system):
    ready(system, 0)
    with boa.reverts("distributor: empty root"):
        reporter_finalize(system, 0, ZERO32, 0, 0)


def test_subsidy_at_most_emission(system):
    ready(system, 0)
    root = b"\x01" * 32
    allowed = system.distributor.emission(0)
    assert allowed == system.distributor.next_emission() == system.params.initial_emission
    with boa.reverts("distributor: subsidy over emission"):
        reporter_finalize(system, 0, root, allowed + 1, 0)
    reporter_finalize(system, 0, root, allowed, 0)


def test_unallocated_subsidy_is_not_carried(system):
    """What an epoch leaves unallocated is gone: the next epoch may only use its own emission."""
    d = system.distributor
    close(system, 0, {system.admin: (1, 0)}, subsidy=1)
    ready(system, 1)
    assert d.next_emission() == d.emission(1)
    with boa.reverts("distributor: subsidy over emission"):
        reporter_finalize(system, 1, b"\x01" * 32, d.emission(1) + 1, 0)
    assert d.scheduled_total() == d.emission(0) and d.subsidy_finalized() == 1


def test_revenue_at_most_pool_with_carry_over(system, people):
    d, g = system.distributor, system.gateway
    root = b"\x01" * 32
    system.post_price()  # while it still counts for epoch 0
    system.pay(people["alice"], 100 * USD)
    set_time(system.epoch_end(0) + 10)
    system.pay(people["bob"], 40 * USD)  # lands in epoch 1, not in epoch 0's pool
    ready(system, 0)
    pool0 = net(system, 100 * USD)
    assert d.revenue_pool() == pool0 == g.epoch_revenue(0)
    with boa.reverts("distributor: revenue over pool"):
        reporter_finalize(system, 0, root, 0, pool0 + 1)
    reporter_finalize(system, 0, root, 0, 30 * USD)
    carry = pool0 - 30 * USD
    assert d.revenue_carry() == carry
    assert d.revenue_pool() == carry + net(system, 40 * USD)

    ready(system, 1)
    pool1 = carry + net(system, 40 * USD)
    with boa.reverts("distributor: revenue over pool"):
        reporter_finalize(system, 1, root, 0, pool1 + 1)
    reporter_finalize(system, 1, root, 0, pool1)
    assert (d.revenue_carry(), d.revenue_pool(), d.revenue_finalized()) == (0, 0, 30 * USD + pool1)

    # An epoch without payments and without carry can allocate nothing.
    ready(system, 2)
    with boa.reverts("distributor: revenue over pool"):
        reporter_finalize(system, 2, root, 0, 1)


def test_missing_price_refused(system):
    set_time(system.epoch_end(0))
    with boa.reverts("distributor: no price"):
        reporter_finalize(system, 0, b"\x01" * 32, 0, 0)


def test_stale_price_refused(system):
    """A price is stale for an epoch when it was posted more than the price age before the epoch's end."""
    p = system.params
    epochs = p.max_price_age // p.epoch_length  # epoch `epochs - 1` ends exactly max_price_age after genesis
    system.post_price(777)  # at genesis
    set_time(system.epoch_end(epochs))
    with as_sender(system.reporter):
        system.distributor.finalize_range(0, epochs - 1, b"\x01" * 32, [0] * epochs, [0] * epochs, 1, 1)
        assert [e.price for e in events(system.distributor, "EpochFinalized")] == [777] * epochs
        with boa.reverts("distributor: stale price"):
            system.distributor.finalize(epochs, b"\x01" * 32, 0, 0, 1, 1)
    # Once a price is posted again, the epochs whose end saw none fresh take the first one after their end:
    # an outage longer than the price age must not leave epochs that no price can ever be posted for.
    set_time(system.epoch_end(epochs + 30) + 1)
    system.post_price(888)
    set_time(now() + 1)
    system.post_price(999)
    set_time(system.epoch_end(epochs + 31))
    with as_sender(system.reporter):
        system.distributor.finalize_range(epochs, epochs + 31, b"\x02" * 32, [0] * 32, [0] * 32, 1, 1)
    prices = [e.price for e in events(system.distributor, "EpochFinalized")]
    assert prices == [888] * 31 + [999]  # the last epoch's end saw 999 posted, fresh


def test_a_late_finalization_uses_the_price_of_its_epoch(system):
    """Finalizing long after an epoch ended, with newer prices posted since, logs the epoch's own price."""
    system.post_price(100)
    set_time(system.epoch_end(0) - 1)
    system.post_price(200)  # the last one at or before epoch 0's end
    set_time(system.epoch_end(0))
    system.post_price(300)  # exactly at the end still counts for epoch 0
    set_time(system.epoch_end(0) + 1)
    system.post_price(400)
    set_time(system.epoch_end(3))
    reporter_finalize(system, 0, b"\x01" * 32, 0, 0)
    assert [e.price for e in events(system.distributor, "EpochFinalized")] == [300]
    reporter_finalize(system, 1, b"\x01" * 32, 0, 0)
    assert [e.price for e in events(system.distributor, "EpochFinalized")] == [400]


def test_zero_price_cannot_reach_finalize(system):
    """The feed refuses a zero price, so finalize reads the last positive one."""
    set_time(system.epoch_end(0))
    system.post_price(5)
    with as_sender(system.reporter), boa.reverts("feed: price out of range"):
        system.feed.post_price(0)
    reporter_finalize(system, 0, b"\x01" * 32, 0, 0)
    assert events(system.distributor, "EpochFinalized")[0].price == 5


def _reference_schedule(p: Params, epochs: int) -> tuple[int, int]:
    """(rate of the last epoch, capped total before it) by the spec's iteration."""
    rate, total = p.initial_emission, 0
    for e in range(epochs):
        if e > 0 and e % p.decay_period == 0:
            rate = rate * (10_000 - p.decay_bps) // 10_000
        if e < epochs - 1:
            total = min(p.max_supply, total + rate)
    return rate, total


def test_epoch_index_is_bounded(system):
    """Reaching the last epoch honestly takes 100,000 finalizations; the schedule slot is
    written as those finalizations would have left it (checked against the spec's iteration)."""
    d, p = system.distributor, system.params
    last = MAX_EPOCHS - 1
    rate, before = _reference_schedule(p, last)  # rate of epoch last - 1, total before it
    after = min(p.max_supply, before + rate)
    slot = d.compiler_data.storage_layout["storage_layout"]["_schedule"]["slot"]
    boa.env.set_storage(d.address, slot, (after << 152) | (rate << 48) | (last << 8))
    assert d.next_epoch() == last and d.scheduled_total() == after
    assert d.next_emission() == d.emission(last)
    set_time(system.epoch_end(last) - 1)
    ready(system, last)
    reporter_finalize(system, last, b"\x01" * 32, d.emission(last), 0)
    ready(system, last + 1)
    with boa.reverts("distributor: epoch out of range"):
        reporter_finalize(system, last + 1, b"\x01" * 32, 0, 0)
    with boa.reverts("schedule: epoch out of range"):
        d.emission(MAX_EPOCHS)


# --- root delay and revocation ------------------------------------------------------------


def test_pending_root_is_not_claimable(delayed, people):
    s, d, alice = delayed, delayed.distributor, people["alice"]
    t0 = close(s, 0, {alice: (100, 0), people["bob"]: (50, 0)}, subsidy=150)
    posted = now()
    assert d.latest_root() == t0.root and d.claimable_root() == ZERO32
    with boa.reverts("distributor: invalid proof"):
        s.claim(t0, alice)
    set_time(posted + ROOT_DELAY - 1)
    with boa.reverts("distributor: invalid proof"):
        s.claim(t0, alice)
    set_time(posted + ROOT_DELAY)
    assert d.claimable_root() == t0.root
    s.claim(t0, alice)
    assert s.token.balanceOf(alice) == 100


def test_previous_root_stays_claimable_while_the_next_is_pending(delayed, people):
    s, d, alice, bob = delayed, delayed.distributor, people["alice"], people["bob"]
    s.post_price()
    set_time(s.epoch_end(2))  # epochs 0 to 2 have all ended: only the delay holds finalization back
    t0 = close(s, 0, {alice: (100, 0), bob: (50, 0)}, subsidy=150)
    with boa.reverts("distributor: previous root pending"):
        reporter_finalize(s, 1, b"\x01" * 32, 0, 0)
    set_time(now() + ROOT_DELAY - 1)
    with boa.reverts("distributor: previous root pending"):
        reporter_finalize(s, 1, b"\x01" * 32, 0, 0)
    take_effect(s)
    s.claim(t0, alice)
    t1 = close(s, 1, {alice: (300, 0), bob: (250, 0)}, subsidy=400)
    posted = now()
    assert (d.latest_root(), d.claimable_root()) == (t1.root, t0.root)
    with boa.reverts("distributor: previous root pending"):
        reporter_finalize(s, 2, b"\x01" * 32, 0, 0)
    with boa.reverts("distributor: invalid proof"):
        s.claim(t1, bob)
    s.claim(t0, bob)
    assert s.token.balanceOf(bob) == 50
    set_time(posted + ROOT_DELAY)
    assert d.claimable_root() == t1.root
    with boa.reverts("distributor: invalid proof"):
        d.claim(bob, 60, 0, t0.proof_for(bob))  # the older root is no longer accepted
    s.claim(t1, alice)
    s.claim(t1, bob)
    assert (s.token.balanceOf(alice), s.token.balanceOf(bob)) == (300, 250)


def test_revoke(delayed, people):
    s, d, alice = delayed, delayed.distributor, people["alice"]
    first_net = net(s, 500 * USD)
    s.pay(people["carol"], 500 * USD)
    t0 = close(s, 0, {alice: (100, 20 * USD)}, subsidy=100, revenue=20 * USD)
    first_posted = now()
    take_effect(s)
    s.pay(people["carol"], 300 * USD, reference=b"\x02" * 32)
    ready(s, 1)
    before = snapshot(d)
    bad = s.tree({alice: (10**30, 10**30)})
    reporter_finalize(s, 1, bad.root, d.next_emission(), d.revenue_pool())
    assert snapshot(d) != before
    for who in (s.admin, s.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            d.revoke(1)
    with as_sender(s.guardian), boa.reverts("distributor: not the latest root"):
        d.revoke(0)
    with as_sender(s.guardian), boa.reverts("distributor: not the latest root"):
        d.revoke(2)
    set_time(now() + ROOT_DELAY - 1)
    with as_sender(s.guardian):
        d.revoke(1)
    assert [fields(e) for e in events(d, "RootRevoked")] == [{"epoch": 1, "root": bad.root}]
    assert_spec_topics(d, "RootRevoked")
    assert snapshot(d) == before
    assert d.root_posted_at() == first_posted  # restored, not zeroed
    assert d.claimable_root() == t0.root and d.latest_root() == t0.root
    with as_sender(s.guardian), boa.reverts("distributor: root already in effect"):
        d.revoke(0)  # epoch 0's root was in effect before epoch 1 was finalized
    with as_sender(s.guardian), boa.reverts("distributor: not the latest root"):
        d.revoke(1)
    # Epoch 1 can be finalized again, with the same limits as before.
    with boa.reverts("distributor: subsidy over emission"):
        reporter_finalize(s, 1, b"\x02" * 32, before["next_emission"] + 1, 0)
    with boa.reverts("distributor: revenue over pool"):
        reporter_finalize(s, 1, b"\x02" * 32, 0, before["revenue_pool"] + 1)
    t1 = s.tree({alice: (100 + before["next_emission"], 20 * USD + before["revenue_pool"])})
    reporter_finalize(s, 1, t1.root, before["next_emission"], before["revenue_pool"])
    take_effect(s)
    s.claim(t1, alice)
    assert s.token.balanceOf(alice) == 100 + before["next_emission"]
    assert s.usd.balanceOf(alice) == first_net + net(s, 300 * USD)


def test_revoke_after_the_delay_refused(delayed):
    s, d = delayed, delayed.distributor
    close(s, 0, {s.admin: (1, 0)}, subsidy=1)
    set_time(now() + ROOT_DELAY)
    with as_sender(s.guardian), boa.reverts("distributor: root already in effect"):
        d.revoke(0)


def test_revoke_before_any_root_refused(delayed):
    with as_sender(delayed.guardian), boa.reverts("distributor: not the latest root"):
        delayed.distributor.revoke(0)


def test_revoke_impossible_without_delay(system):
    close(system, 0, {system.admin: (1, 0)}, subsidy=1)
    with as_sender(system.guardian), boa.reverts("distributor: root already in effect"):
        system.distributor.revoke(0)


def test_revoke_first_epoch_restores_the_initial_state(delayed, people):
    s, d = delayed, delayed.distributor
    s.pay(people["carol"], 100 * USD)
    ready(s, 0)
    before = snapshot(d)
    close(s, 0, {people["alice"]: (5, 5)}, subsidy=5, revenue=5)
    with as_sender(s.guardian):
        d.revoke(0)
    assert snapshot(d) == before
    assert d.latest_root() == ZERO32 and d.next_epoch() == 0
    tree = close(s, 0, {people["alice"]: (7, 7)}, subsidy=7, revenue=7)
    take_effect(s)
    s.claim(tree, people["alice"])
    assert s.distributor.claimed(people["alice"]) == (7, 7)


@settings(max_examples=12, deadline=None)
@given(
    subsidies=st.lists(st.floats(0, 1), min_size=1, max_size=12),
    revoke_at=st.integers(0, 11),
    paid=st.lists(st.integers(0, 10_000), min_size=12, max_size=12),
)
def test_revoke_restores_the_state_at_any_epoch(delayed, people, subsidies, revoke_at, paid):
    """Across decay boundaries and the cap, a revoked epoch leaves every view as it was
    before, and finalizing it again continues exactly as if the revoked root never existed."""
    s, d = delayed, delayed.distributor
    revoke_at = min(revoke_at, len(subsidies) - 1)
    for e, frac in enumerate(subsidies):
        if paid[e]:
            set_time(max(now(), s.genesis + e * s.params.epoch_length))
            s.pay(people["carol"], paid[e] * USD)
        ready(s, e)
        subsidy, revenue = int(d.next_emission() * frac), int(d.revenue_pool() * frac)
        if e == revoke_at:
            before = snapshot(d)
            reporter_finalize(s, e, b"\xee" * 32, d.next_emission(), d.revenue_pool())
            with as_sender(s.guardian):
                d.revoke(e)
            assert snapshot(d) == before
        reporter_finalize(s, e, (e + 1).to_bytes(32, "big"), subsidy, revenue)
        assert d.next_emission() == d.emission(e + 1)


# --- claims -------------------------------------------------------------------------


def test_claim_pays_the_difference(system, people):
    s, d, alice, bob = system, system.distributor, people["alice"], people["bob"]
    s.pay(people["carol"], 1_000 * USD)
    t0 = close(s, 0, {alice: (60, 100 * USD), bob: (40, 0)}, subsidy=100, revenue=100 * USD)
    s.claim(t0, alice, sender=people["mallory"])  # anyone may submit
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": alice, "subsidy": 60, "revenue": 100 * USD}]
    assert_spec_topics(d, "RewardClaimed")
    assert transfers(d, s.token) == [("0x" + "00" * 20, alice, 60)]  # minted
    assert transfers(d, s.usd) == [(d.address, alice, 100 * USD)]
    assert (s.token.balanceOf(alice), s.usd.balanceOf(alice)) == (60, 100 * USD)
    assert s.token.balanceOf(people["mallory"]) == 0 and s.usd.balanceOf(people["mallory"]) == 0
    assert d.claimed(alice) == (60, 100 * USD)
    assert (d.total_minted(), d.total_revenue_paid(), s.token.totalSupply()) == (60, 100 * USD, 60)
    assert s.usd.balanceOf(d.address) == net(s, 1_000 * USD) - 100 * USD

    with boa.reverts("distributor: nothing to claim"):
        s.claim(t0, alice)

    t1 = close(s, 1, {alice: (160, 150 * USD), bob: (90, 25 * USD)}, subsidy=150, revenue=75 * USD)
    s.claim(t1, alice)
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": alice, "subsidy": 100, "revenue": 50 * USD}]
    s.claim(t1, bob)
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": bob, "subsidy": 90, "revenue": 25 * USD}]
    assert d.claimed(alice) == (160, 150 * USD) and d.claimed(bob) == (90, 25 * USD)
    assert (d.total_minted(), d.total_revenue_paid()) == (250, 175 * USD)


def test_claim_of_one_asset_only(system, people):
    s, d, alice = system, system.distributor, people["alice"]
    s.pay(people["carol"], 1_000 * USD)
    t0 = close(s, 0, {alice: (10, 0)}, subsidy=10)
    s.claim(t0, alice)
    assert transfers(d, s.usd) == [] and d.claimed(alice) == (10, 0)
    t1 = close(s, 1, {alice: (10, 5)}, subsidy=0, revenue=5)
    s.claim(t1, alice)
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": alice, "subsidy": 0, "revenue": 5}]
    assert transfers(d, s.token) == []


def test_a_root_proving_less_than_claimed_pays_only_the_other_asset(system, people):
    s, d, alice = system, system.distributor, people["alice"]
    s.pay(people["carol"], 1_000 * USD)
    t0 = close(s, 0, {alice: (10, 5)}, subsidy=10, revenue=5)
    s.claim(t0, alice)
    t1 = close(s, 1, {alice: (8, 9)}, subsidy=0, revenue=4)
    s.claim(t1, alice)
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": alice, "subsidy": 0, "revenue": 4}]
    assert d.claimed(alice) == (10, 9)
    t2 = close(s, 2, {alice: (9, 9)}, subsidy=0)
    with boa.reverts("distributor: nothing to claim"):
        s.claim(t2, alice)


def test_invalid_proofs(system, people):
    s, d, alice, bob = system, system.distributor, people["alice"], people["bob"]
    with boa.reverts("distributor: invalid proof"):
        d.claim(alice, 1, 0, [])  # nothing finalized yet
    t0 = close(s, 0, {alice: (60, 0), bob: (40, 0), people["carol"]: (1, 0)}, subsidy=101)
    proof = t0.proof_for(alice)
    cases = [
        (alice, 61, 0, proof),
        (alice, 60, 1, proof),
        (bob, 60, 0, proof),
        (alice, 60, 0, proof[:-1]),
        (alice, 60, 0, []),
        (alice, 60, 0, t0.proof_for(bob)),
        (alice, 60, 0, proof + [ZERO32]),
        (alice, 60, 0, [b"\x13" * 32] + proof[1:]),
    ]
    for args in cases:
        with boa.reverts("distributor: invalid proof"):
            d.claim(*args)
    d.claim(alice, 60, 0, proof)
    assert d.claimed(alice) == (60, 0)


def test_proof_from_an_older_root_refused(system, people):
    s, alice, bob = system, people["alice"], people["bob"]
    t0 = close(s, 0, {alice: (10, 0), bob: (5, 0)}, subsidy=15)
    t1 = close(s, 1, {alice: (20, 0), bob: (5, 0)}, subsidy=10)
    for acct in (alice, bob):
        with boa.reverts("distributor: invalid proof"):
            s.claim(t0, acct)
    s.claim(t1, alice)
    s.claim(t1, bob)
    assert s.token.balanceOf(alice) == 20 and s.token.balanceOf(bob) == 5


def test_proof_for_another_chain_refused(system, people):
    s, d, alice = system, system.distributor, people["alice"]
    ents = [Entitlement(alice, 10, 0), Entitlement(people["bob"], 5, 0)]
    foreign = EntitlementTree(31337, d.address, ents)
    ready(s, 0)
    reporter_finalize(s, 0, foreign.root, 15, 0)
    with boa.reverts("distributor: invalid proof"):
        d.claim(alice, 10, 0, foreign.proof_for(alice))


def test_proof_does_not_survive_a_chain_id_change(system, people):
    """The same contract state under another chain id (a fork) rejects the proofs."""
    s, alice = system, people["alice"]
    t0 = close(s, 0, {alice: (10, 0), people["bob"]: (5, 0)}, subsidy=15)
    original = boa.env.evm.patch.chain_id
    boa.env.evm.patch.chain_id = original + 1
    try:
        with boa.reverts("distributor: invalid proof"):
            s.claim(t0, alice)
    finally:
        boa.env.evm.patch.chain_id = original
    s.claim(t0, alice)
    assert s.token.balanceOf(alice) == 10


def test_proof_for_another_distributor_refused(system, people):
    """A second deployment with the very same root still rejects the first one's proofs."""
    s, alice = system, people["alice"]
    other = deploy()
    t0 = close(s, 0, {alice: (10, 0), people["bob"]: (5, 0)}, subsidy=15)
    ready(other, 0)
    with as_sender(other.reporter):
        other.distributor.finalize(0, t0.root, 15, 0, 1, 1)
    with boa.reverts("distributor: invalid proof"):
        other.distributor.claim(alice, 10, 0, t0.proof_for(alice))
    mirrored = other.tree({alice: (10, 0), people["bob"]: (5, 0)})
    assert mirrored.root != t0.root
    with boa.reverts("distributor: invalid proof"):
        other.distributor.claim(alice, 10, 0, mirrored.proof_for(alice))
    s.claim(t0, alice)


def test_totals_claimed_never_exceed_totals_finalized(system, people):
    """A root that promises more than the epoch's totals cannot pay out more than the totals."""
    s, d, alice, bob = system, system.distributor, people["alice"], people["bob"]
    s.pay(people["carol"], 1_000 * USD)
    t0 = close(s, 0, {alice: (80, 0), bob: (80, 0)}, subsidy=100)
    s.claim(t0, alice)
    with boa.reverts("distributor: subsidy over finalized"):
        s.claim(t0, bob)
    t1 = close(s, 1, {alice: (0, 60 * USD), bob: (0, 60 * USD)}, subsidy=0, revenue=100 * USD)
    s.claim(t1, alice)
    with boa.reverts("distributor: revenue over finalized"):
        s.claim(t1, bob)
    assert (d.total_minted(), d.total_revenue_paid()) == (80, 60 * USD)


def test_entitlement_out_of_range_refused(system, people):
    t0 = close(system, 0, {people["alice"]: (2**128, 0), people["bob"]: (1, 0)}, subsidy=1)
    with boa.reverts("distributor: amount out of range"):
        system.claim(t0, people["alice"])


@pytest.mark.parametrize("asset", ["subsidy", "revenue"])
def test_claims_against_the_in_effect_root_cannot_spend_a_pending_roots_totals(delayed, people, asset):
    """The pending root can still be revoked, so its totals must not back claims yet;
    otherwise a revocation leaves more minted (or paid) than was ever finalized."""
    s, d, alice = delayed, delayed.distributor, people["alice"]
    s.pay(people["carol"], 1_000 * USD)
    e0 = d.emission(0)
    # Epoch 0's root promises more than epoch 0's totals in one asset.
    promised = (e0 + 100, 5 * USD) if asset == "subsidy" else (e0, 10 * USD)
    t0 = close(s, 0, {alice: promised, people["bob"]: (1, 1)}, subsidy=e0, revenue=5 * USD)
    take_effect(s)
    with boa.reverts(f"distributor: {asset} over finalized"):
        s.claim(t0, alice)
    close(s, 1, {alice: promised}, subsidy=500, revenue=100 * USD)
    assert d.claimable_root() == t0.root
    with boa.reverts(f"distributor: {asset} over finalized"):
        s.claim(t0, alice)
    with as_sender(s.guardian):
        d.revoke(1)
    assert d.total_minted() <= d.subsidy_finalized() <= d.scheduled_total() == e0
    assert d.total_revenue_paid() <= d.revenue_finalized() == 5 * USD


def test_pending_totals_count_once_in_effect(delayed, people):
    s, d, alice = delayed, delayed.distributor, people["alice"]
    s.pay(people["carol"], 1_000 * USD)
    t0 = close(s, 0, {alice: (150, 8 * USD), people["bob"]: (1, 1)}, subsidy=100, revenue=5 * USD)
    take_effect(s)
    close(s, 1, {alice: (150, 8 * USD)}, subsidy=50, revenue=3 * USD)
    with boa.reverts("distributor: subsidy over finalized"):
        s.claim(t0, alice)
    take_effect(s)
    # Epoch 1's root is in effect now, and proves the same entitlement.
    s.claim(s.tree({alice: (150, 8 * USD)}), alice)
    assert d.claimed(alice) == (150, 8 * USD)


def test_burns_do_not_reopen_room(system, people):
    s, d, alice, bob = system, system.distributor, people["alice"], people["bob"]
    e0 = d.emission(0)
    t0 = close(s, 0, {alice: (e0, 0), bob: (1, 0)}, subsidy=e0)
    s.claim(t0, alice)
    with as_sender(alice):
        s.token.burn(e0)
    assert s.token.totalSupply() == 0 and d.total_minted() == e0
    with boa.reverts("distributor: subsidy over finalized"):
        s.claim(t0, bob)


def test_claim_many(system, people):
    s, d = system, system.distributor
    a, b, c = people["alice"], people["bob"], people["carol"]
    s.pay(people["dave"], 1_000 * USD)
    tree = close(s, 0, {a: (10, 1), b: (20, 0), c: (0, 3)}, subsidy=30, revenue=4)

    def entry(acct, tr=tree):
        e = tr.entitlements[tr.index_of(acct)]
        return (e.account, e.cumulative_subsidy, e.cumulative_revenue, tr.proof_for(acct))

    with as_sender(people["mallory"]):
        d.claim_many([entry(a), entry(b), entry(c)])
    assert [fields(e) for e in events(d, "RewardClaimed")] == [
        {"account": a, "subsidy": 10, "revenue": 1},
        {"account": b, "subsidy": 20, "revenue": 0},
        {"account": c, "subsidy": 0, "revenue": 3},
    ]
    assert sorted(transfers(d, s.token)) == sorted([("0x" + "00" * 20, a, 10), ("0x" + "00" * 20, b, 20)])
    assert sorted(transfers(d, s.usd)) == sorted([(d.address, a, 1), (d.address, c, 3)])
    assert (d.total_minted(), d.total_revenue_paid()) == (30, 4)
    # An entry claimed already is skipped, not fatal: a race cannot revert the batch.
    assert d.claim_many([entry(a)]) == 1
    assert events(d, "RewardClaimed") == [] and (d.total_minted(), d.total_revenue_paid()) == (30, 4)

    t1 = close(s, 1, {a: (15, 1), b: (25, 0), c: (1, 3)}, subsidy=11)
    bad = (a, 16, 1, t1.proof_for(a))
    with boa.reverts("distributor: invalid proof"):
        d.claim_many([entry(b, t1), bad, entry(c, t1)])
    assert d.claimed(b) == (20, 0)  # the whole batch reverted
    with boa.env.anchor():
        assert d.claim_many([entry(b, t1), entry(b, t1)]) == 1  # the second is the first's race
        assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": b, "subsidy": 5, "revenue": 0}]
    assert d.claim_many([]) == 0
    assert (d.total_minted(), d.total_revenue_paid()) == (30, 4)
    d.claim_many([entry(c, t1), entry(a, t1), entry(b, t1)])
    assert (d.claimed(a), d.claimed(b), d.claimed(c)) == ((15, 1), (25, 0), (1, 3))
    assert (s.token.balanceOf(a), s.token.balanceOf(b), s.token.balanceOf(c)) == (15, 25, 1)


def test_claim_many_respects_totals(system, people):
    s, d, a, b = system, system.distributor, people["alice"], people["bob"]
    tree = close(s, 0, {a: (60, 0), b: (60, 0)}, subsidy=100)
    with boa.reverts("distributor: subsidy over finalized"):
        d.claim_many([(x, 60, 0, tree.proof_for(x)) for x in (a, b)])
    assert d.total_minted() == 0


def test_pausing_claims(system, people):
    s, d, alice = system, system.distributor, people["alice"]
    tree = close(s, 0, {alice: (10, 0), people["bob"]: (5, 0)}, subsidy=15)
    for who in (s.admin, s.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            d.pause()
    with as_sender(s.guardian):
        d.pause()
    assert [fields(e) for e in events(d, "Paused")] == [{"account": s.guardian}]
    assert d.paused()
    with as_sender(s.guardian), boa.reverts("distributor: already so"):
        d.pause()
    with boa.reverts("distributor: claims paused"):
        s.claim(tree, alice)
    with boa.reverts("distributor: claims paused"):
        d.claim_many([(alice, 10, 0, tree.proof_for(alice))])
    # Finalization goes on while claims are paused.
    close(s, 1, {alice: (10, 0), people["bob"]: (5, 0)}, subsidy=0)
    for who in (s.guardian, s.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            d.unpause()
    with as_sender(s.admin):
        d.unpause()
    assert [fields(e) for e in events(d, "Unpaused")] == [{"account": s.admin}]
    with as_sender(s.admin), boa.reverts("distributor: already so"):
        d.unpause()
    s.claim(tree, alice)
    assert s.token.balanceOf(alice) == 10


# --- backlogs: finalize_range ------------------------------------------------------------


def range_finalize(s: System, first: int, last: int, root: bytes, subsidies: list[int], revenues: list[int],
                   work_units: int = 77, contributors: int = 5, sender=None):
    with as_sender(sender or s.reporter):
        s.distributor.finalize_range(first, last, root, subsidies, revenues, work_units, contributors)


def test_a_six_epoch_outage_is_caught_up_in_one_transaction(system, people):
    """Finding: one epoch per root delay could never catch up. With prices posted only before the outage, each
    epoch of the range gets its own subsidy, revenue and price, the work totals go on the last one, and the
    backlog is gone: the next epoch finalizes as usual."""
    s, d = system, system.distributor
    s.post_price(111)
    set_time(s.epoch_end(0) - 1)
    s.post_price(222)  # the last price before the outage
    s.pay(people["carol"], 100 * USD)  # epoch 0
    set_time(s.epoch_end(2) + 5)
    s.pay(people["carol"], 40 * USD)  # epoch 3
    set_time(s.epoch_end(5))  # epochs 0 to 5 ended while the reporter was down
    emissions = [d.emission(e) for e in range(6)]
    pools = [net(s, 100 * USD), 0, 0, net(s, 40 * USD), 0, 0]
    revenues = [pools[0] - 7, 7, 0, pools[3], 0, 0]  # epoch 0 carries 7 units into epoch 1
    subsidies = [emissions[0], 0, emissions[2] // 2, emissions[3], 1, emissions[5]]
    tree = s.tree({people["alice"]: (sum(subsidies), sum(revenues))})
    range_finalize(s, 0, 5, tree.root, subsidies, revenues)
    assert [fields(e) for e in events(d, "EpochFinalized")] == [
        {"epoch": e, "root": tree.root, "subsidy": subsidies[e], "revenue": revenues[e],
         "work_units": 77 if e == 5 else 0, "contributors": 5 if e == 5 else 0, "price": 222}
        for e in range(6)
    ]
    assert (d.next_epoch(), d.subsidy_finalized(), d.revenue_finalized()) == (6, sum(subsidies), sum(revenues))
    assert d.scheduled_total() == sum(emissions) and d.revenue_carry() == 0
    s.claim(tree, people["alice"])
    assert s.token.balanceOf(people["alice"]) == sum(subsidies)
    ready(s, 6)
    reporter_finalize(s, 6, b"\x06" * 32, 0, 0)
    assert d.next_epoch() == 7


@pytest.mark.parametrize("case, reason", [
    ("backwards", "distributor: range out of bounds"),
    ("too long", "distributor: range out of bounds"),
    ("short list", "distributor: range length mismatch"),
    ("not ended", "distributor: epoch not ended"),
    ("out of order", "distributor: epoch out of order"),
    ("over emission", "distributor: subsidy over emission"),
    ("over running pool", "distributor: revenue over pool"),
    ("stale inside", "distributor: stale price"),
    ("wrong role", "access_control: account is missing role"),
])
def test_range_refusals(system, people, case, reason):
    s, d = system, system.distributor
    s.post_price()
    s.pay(people["carol"], 100 * USD)
    set_time(s.epoch_end(3))
    first, last, subs, revs, sender = 0, 3, [0] * 4, [0] * 4, None
    if case == "backwards":
        first, last = 3, 2
    elif case == "too long":
        last = 64
    elif case == "short list":
        subs = [0] * 3
    elif case == "not ended":
        last, subs, revs = 4, [0] * 5, [0] * 5
    elif case == "out of order":
        first, subs, revs = 1, [0] * 3, [0] * 3
    elif case == "over emission":
        subs = [0, 0, d.emission(2) + 1, 0]
    elif case == "over running pool":
        revs = [net(s, 100 * USD) - 5, 6, 0, 0]  # epoch 1 may only use the 5 units carried over
    elif case == "stale inside":
        set_time(s.epoch_end(0) + s.params.max_price_age + 1)  # a price too old for epochs from here on
        last = (now() - s.genesis) // s.params.epoch_length - 1
        subs, revs = [0] * (last + 1), [0] * (last + 1)
    elif case == "wrong role":
        sender = s.guardian
    with boa.reverts(reason):
        range_finalize(s, first, last, b"\x01" * 32, subs, revs, sender=sender)
    assert d.next_epoch() == 0


def test_revoking_a_range_undoes_it_whole(delayed, people):
    s, d = delayed, delayed.distributor
    s.pay(people["carol"], 100 * USD)
    t0 = close(s, 0, {people["alice"]: (10, 10)}, subsidy=10, revenue=10)
    posted = now()
    take_effect(s)
    set_time(s.epoch_end(3))
    s.post_price()
    before = {**snapshot(d), "root_posted_at": d.root_posted_at()}
    bad = s.tree({people["mallory"]: (10**24, 10**6)})
    range_finalize(s, 1, 3, bad.root, [d.emission(e) for e in (1, 2, 3)], [d.revenue_pool(), 0, 0])
    with as_sender(s.guardian), boa.reverts("distributor: not the latest root"):
        d.revoke(1)  # the range is revoked by its last epoch, whole
    with as_sender(s.guardian):
        d.revoke(3)
    assert [fields(e) for e in events(d, "RootRevoked")] == [{"epoch": e, "root": bad.root} for e in (1, 2, 3)]
    assert {**snapshot(d), "root_posted_at": d.root_posted_at()} == before
    assert d.root_posted_at() == posted and d.claimable_root() == t0.root


# --- the guardian's brake on finalization -------------------------------------------------


def test_pausing_finalization(delayed, people):
    """Finding: a root that reassigns everything could only be revoked, while the next could follow at once."""
    s, d = delayed, delayed.distributor
    ready(s, 0)
    for who in (s.admin, s.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            d.pause_finalization()
    with as_sender(s.guardian):
        d.pause_finalization()
    assert [fields(e) for e in events(d, "FinalizationPaused")] == [{"account": s.guardian}]
    assert d.finalization_paused() and not d.paused()
    with as_sender(s.guardian), boa.reverts("distributor: already so"):
        d.pause_finalization()
    with boa.reverts("distributor: finalization paused"):
        reporter_finalize(s, 0, b"\x01" * 32, 0, 0)
    with boa.reverts("distributor: finalization paused"):
        range_finalize(s, 0, 0, b"\x01" * 32, [0], [0])
    for who in (s.guardian, s.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            d.unpause_finalization()
    with as_sender(s.admin):
        d.unpause_finalization()
    assert [fields(e) for e in events(d, "FinalizationUnpaused")] == [{"account": s.admin}]
    reporter_finalize(s, 0, b"\x01" * 32, 0, 0)
    assert d.next_epoch() == 1 and not d.finalization_paused()


# --- stuck funds: sweep ---------------------------------------------------------------------


def test_sweep_moves_only_what_is_not_owed(system, people):
    """Finding: tokens sent to the distributor directly could never leave it. The sweep takes exactly the surplus:
    never what finalized epochs owe, what is carried over, or what unfinalized epochs were paid."""
    s, d, carol, treasury = system, system.distributor, people["carol"], people["dave"]
    s.pay(carol, 100 * USD)
    close(s, 0, {people["alice"]: (0, 30 * USD)}, subsidy=0, revenue=30 * USD)  # 30 owed, the rest carried
    s.pay(carol, 10 * USD)  # epoch 1, not finalized
    with as_sender(s.admin), boa.reverts("distributor: nothing to sweep"):
        d.sweep(treasury)
    with as_sender(carol):
        s.usd.faucet(7 * USD)
        s.usd.transfer(d.address, 7 * USD)  # a mistake
    owed = net(s, 100 * USD) + net(s, 10 * USD)
    assert d.revenue_owed() == owed and s.usd.balanceOf(d.address) == owed + 7 * USD
    for who in (s.guardian, s.reporter, carol):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            d.sweep(who)
    for bad in (ZERO_ADDRESS, d.address):
        with as_sender(s.admin), boa.reverts("distributor: bad receiver"):
            d.sweep(bad)
    with as_sender(s.admin):
        assert d.sweep(treasury) == 7 * USD
    assert [fields(e) for e in events(d, "Swept")] == [{"receiver": treasury, "amount": 7 * USD}]
    assert s.usd.balanceOf(treasury) == 7 * USD and s.usd.balanceOf(d.address) == owed
    with as_sender(s.admin), boa.reverts("distributor: nothing to sweep"):
        d.sweep(treasury)
    s.claim(s.tree({people["alice"]: (0, 30 * USD)}), people["alice"])
    assert d.revenue_owed() == owed - 30 * USD == s.usd.balanceOf(d.address)


def test_sweep_waits_for_a_long_backlog(system, people):
    s, d = system, system.distributor
    with as_sender(people["carol"]):
        s.usd.faucet(1)
        s.usd.transfer(d.address, 1)
    s.post_price()
    set_time(s.epoch_end(63))
    with as_sender(s.admin), boa.reverts("distributor: finalize the backlog first"):
        d.sweep(s.admin)
    range_finalize(s, 0, 0, b"\x01" * 32, [0], [0])
    with as_sender(s.admin):
        assert d.sweep(s.admin) == 1


# --- claims to another recipient, and one asset at a time ---------------------------------

# A stablecoin that refuses transfers to blacklisted accounts, as USDC does.
BLACKLIST_TOKEN = """
# pragma version ~=0.4.3
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
blocked: public(HashMap[address, bool])

@external
def faucet(amount: uint256):
    self.balanceOf[msg.sender] += amount

@external
def block(who: address):
    self.blocked[who] = True

@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    return True

@external
def transfer(to: address, amount: uint256) -> bool:
    assert not self.blocked[to], "blacklisted"
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount
    return True

@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    assert not self.blocked[to], "blacklisted"
    self.allowance[owner][msg.sender] -= amount
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    return True
"""


def test_a_blacklisted_account_still_gets_its_rewards(system, people):
    """Finding: a stablecoin that refuses the account blocked its subsidy too. The account claims its subsidy
    alone, and its revenue to an address the stablecoin accepts."""
    usd = boa.loads(BLACKLIST_TOKEN)
    s = deploy(system.params, system.genesis, payment_token=usd)
    d, alice, cold = s.distributor, people["alice"], boa.env.generate_address("cold wallet")
    s.pay(people["carol"], 100 * USD)
    tree = close(s, 0, {alice: (50, 20 * USD), people["bob"]: (1, 0)}, subsidy=51, revenue=20 * USD)
    usd.block(alice)  # a claim of both assets to alice would now revert in the stablecoin's transfer
    proof = tree.proof_for(alice)
    with as_sender(alice):
        d.claim_to(alice, 50, 20 * USD, proof, True, False)
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": alice, "subsidy": 50, "revenue": 0}]
    assert events(d, "RewardRecipient") == [] and d.claimed(alice) == (50, 0)
    with as_sender(alice), boa.reverts("distributor: nothing to claim"):
        d.claim_to(alice, 50, 20 * USD, proof, True, False)
    with as_sender(alice), boa.reverts("distributor: zero recipient"):
        d.claim_to(ZERO_ADDRESS, 50, 20 * USD, proof)
    with as_sender(people["mallory"]), boa.reverts("distributor: invalid proof"):
        d.claim_to(people["mallory"], 50, 20 * USD, proof)  # only the account itself chooses a recipient
    with as_sender(alice):
        d.claim_to(cold, 50, 20 * USD, proof)
    assert [fields(e) for e in events(d, "RewardClaimed")] == [{"account": alice, "subsidy": 0, "revenue": 20 * USD}]
    assert [fields(e) for e in events(d, "RewardRecipient")] == [
        {"account": alice, "recipient": cold, "subsidy": 0, "revenue": 20 * USD}]
    assert (s.token.balanceOf(alice), usd.balanceOf(cold), usd.balanceOf(alice)) == (50, 20 * USD, 0)
    assert d.claimed(alice) == (50, 20 * USD) and (d.total_minted(), d.total_revenue_paid()) == (50, 20 * USD)


# --- reentrancy ------------------------------------------------------------------------

# A payment token that, once armed, calls back into a target during its next transfer and
# records whether that call went through.
HOOKED_TOKEN = """
# pragma version ~=0.4.3
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
target: address
payload: Bytes[4096]
attempts: public(uint256)
reentered: public(bool)

@external
def faucet(amount: uint256):
    self.balanceOf[msg.sender] += amount

@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    return True

@external
def fund_self(spender: address, amount: uint256):
    self.balanceOf[self] += amount
    self.allowance[self][spender] = amount

@external
def arm(target: address, payload: Bytes[4096]):
    self.target = target
    self.payload = payload

@internal
def _hook():
    target: address = self.target
    if target != empty(address):
        self.target = empty(address)
        self.attempts += 1
        self.reentered = raw_call(target, self.payload, revert_on_failure=False)

@external
def transfer(to: address, amount: uint256) -> bool:
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount
    self._hook()
    return True

@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    self.allowance[owner][msg.sender] -= amount
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    self._hook()
    return True
"""


@pytest.fixture(scope="module")
def hooked(system):
    """The production wiring around a payment token that calls back during transfers."""
    usd = boa.loads(HOOKED_TOKEN)
    return deploy(system.params, system.genesis, payment_token=usd)


def test_claim_cannot_be_reentered(hooked, people):
    s, d, alice, bob = hooked, hooked.distributor, people["alice"], people["bob"]
    s.pay(people["carol"], 1_000)
    tree = close(s, 0, {alice: (10, 100), bob: (20, 200)}, subsidy=30, revenue=300)
    bob_claim = d.claim.prepare_calldata(bob, 20, 200, tree.proof_for(bob))
    for payload in (bob_claim, d.claim_many.prepare_calldata([(bob, 20, 200, tree.proof_for(bob))])):
        with boa.env.anchor():
            s.usd.arm(d.address, payload)
            s.claim(tree, alice)
            assert s.usd.attempts() == 1 and not s.usd.reentered()
            assert d.claimed(bob) == (0, 0) and d.claimed(alice) == (10, 100)
            assert (d.total_minted(), d.total_revenue_paid()) == (10, 100)
            # The very same call, made on its own, is valid: only the lock refused it.
            boa.env.raw_call(d.address, data=payload)
            assert d.claimed(bob) == (20, 200)


def test_claim_many_cannot_be_reentered(hooked, people):
    s, d, alice, bob = hooked, hooked.distributor, people["alice"], people["bob"]
    s.pay(people["carol"], 1_000)
    tree = close(s, 0, {alice: (10, 100), bob: (20, 200)}, subsidy=30, revenue=300)
    s.usd.arm(d.address, d.claim.prepare_calldata(bob, 20, 200, tree.proof_for(bob)))
    d.claim_many([(alice, 10, 100, tree.proof_for(alice))])
    assert s.usd.attempts() == 1 and not s.usd.reentered()
    assert d.claimed(bob) == (0, 0) and s.usd.balanceOf(bob) == 0


def test_reentrant_payment_is_accounted_for(hooked, people):
    """pay() books the revenue before moving tokens, so a reentrant payment through the
    token keeps the pool equal to what the distributor received."""
    s, g, carol = hooked, hooked.gateway, people["carol"]
    s.usd.fund_self(g.address, 400)  # the token itself pays when it reenters
    with as_sender(carol):
        s.usd.faucet(1_000)
        s.usd.approve(g.address, 1_000)
        s.usd.arm(g.address, g.pay.prepare_calldata(400, ZERO32))
        g.pay(600, ZERO32)
    assert s.usd.reentered()
    assert g.epoch_revenue(0) == net(s, 400) + net(s, 600) == s.usd.balanceOf(s.distributor.address)


def test_claim_many_batch_bound(system):
    """A full batch pays every account; one claim more is refused by the ABI decoder."""
    s, d = system, system.distributor
    bound = d.claim_many.func_t.arguments[0].typ.count
    accounts = [boa.env.generate_address(f"batch{i}") for i in range(bound + 1)]
    tree = close(s, 0, {a: (i + 1, 0) for i, a in enumerate(accounts)}, subsidy=sum(range(1, bound + 2)))
    batch = [(a, i + 1, 0, tree.proof_for(a)) for i, a in enumerate(accounts)]
    selector = d.claim_many.prepare_calldata(batch[:1])[:4]

    def calldata(claims):
        return selector + encode(["(address,uint256,uint256,bytes32[])[]"], [claims])

    with pytest.raises(Revert):
        boa.env.raw_call(d.address, data=calldata(batch))
    # The same encoding one claim shorter goes through.
    boa.env.raw_call(d.address, data=calldata(batch[:bound]))
    assert [s.token.balanceOf(a) for a in accounts] == list(range(1, bound + 1)) + [0]
