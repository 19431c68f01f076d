"""PaymentGateway: the fee split, the epoch revenue pool, pausing, and its admin functions."""

from __future__ import annotations

import boa
import pytest
from boa.util.abi import abi_encode
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contracts.support import (
    MAX_EPOCHS, ZERO_ADDRESS, ZERO32, as_sender, assert_spec_event_abi, assert_spec_topics, events, fields, now,
    set_time, transfers,
)
from tests.contracts.system import GUARDIAN_ROLE, REPORTER_ROLE, USD, Params, deploy, load

ADMIN_ROLE = b"\x00" * 32
MAX_TIME = 2**40 - 1  # the distributor's 40-bit times


def fee_of(amount: int, fee_bps: int) -> int:
    """The fee the gateway charges: the fraction rounded up."""
    return -(-amount * fee_bps // 10_000)


def fund(system, customer, amount, allowance=None):
    with as_sender(customer):
        system.usd.faucet(amount)
        system.usd.approve(system.gateway.address, amount if allowance is None else allowance)


def test_event_matches_spec(system):
    assert_spec_event_abi(system.gateway, "PaymentReceived")


def test_views_after_deployment(system):
    g = system.gateway
    assert g.PAYMENT_TOKEN() == system.usd.address
    assert g.fee_bps() == system.params.fee_bps
    assert g.treasury() == system.treasury
    assert g.distributor() == system.distributor.address
    assert (g.GENESIS(), g.EPOCH_LENGTH()) == (system.genesis, system.params.epoch_length)
    assert g.current_epoch() == 0 and not g.paused() and g.epoch_revenue(0) == 0
    assert g.hasRole(ADMIN_ROLE, system.admin) and g.hasRole(GUARDIAN_ROLE, system.guardian)
    assert not g.hasRole(GUARDIAN_ROLE, system.admin)


@pytest.mark.parametrize(
    "args, reason",
    [
        (dict(fee_bps=10_001), "gateway: fee over 10000 bps"),
        (dict(treasury=ZERO_ADDRESS), "gateway: zero treasury"),
        (dict(epoch_length=0), "clock: zero epoch length"),
        (dict(genesis=MAX_TIME + 1), "gateway: genesis out of range"),
        # The last payable epoch would end one second past the distributor's 40-bit times.
        (dict(genesis=MAX_TIME - MAX_EPOCHS * 60 + 1), "gateway: epoch length out of range"),
        (dict(genesis=0, epoch_length=MAX_TIME // MAX_EPOCHS + 1), "gateway: epoch length out of range"),
    ],
)
def test_constructor_refuses_bad_parameters(system, args, reason):
    a = dict(token=system.usd.address, treasury=system.treasury, fee_bps=500, genesis=system.genesis, epoch_length=60)
    a.update(args)
    with boa.reverts(reason):
        load("PaymentGateway", a["token"], a["treasury"], a["fee_bps"], a["genesis"], a["epoch_length"])


@pytest.mark.parametrize("genesis, epoch_length", [(MAX_TIME - MAX_EPOCHS * 60, 60), (0, MAX_TIME // MAX_EPOCHS)])
def test_constructor_takes_a_clock_whose_last_epoch_ends_at_the_last_40_bit_time(system, genesis, epoch_length):
    g = load("PaymentGateway", system.usd.address, system.treasury, 500, genesis, epoch_length)
    assert genesis + MAX_EPOCHS * g.EPOCH_LENGTH() <= MAX_TIME


# --- pay ------------------------------------------------------------------------


def test_pay_splits_the_fee_and_credits_the_epoch(system, people):
    g, u, alice = system.gateway, system.usd, people["alice"]
    fund(system, alice, 1_000 * USD)
    ref = b"invoice-0001".ljust(32, b"\x00")
    with as_sender(alice):
        g.pay(1_000 * USD, ref)
    fee = fee_of(1_000 * USD, system.params.fee_bps)
    assert [fields(e) for e in events(g, "PaymentReceived")] == [
        {"customer": alice, "epoch": 0, "amount": 1_000 * USD, "fee": fee, "reference": ref}
    ]
    assert_spec_topics(g, "PaymentReceived")
    assert transfers(g, u) == [(alice, system.treasury, fee), (alice, system.distributor.address, 1_000 * USD - fee)]
    assert u.balanceOf(system.treasury) == fee
    assert u.balanceOf(system.distributor.address) == 1_000 * USD - fee
    assert u.balanceOf(alice) == 0
    assert g.epoch_revenue(0) == 1_000 * USD - fee
    assert system.distributor.revenue_pool() == 1_000 * USD - fee


@settings(max_examples=60, deadline=None)
@given(
    amount=st.integers(1, 10_000_000 * USD),
    fee_bps=st.one_of(st.sampled_from([0, 1, 9_999, 10_000]), st.integers(0, 10_000)),
)
def test_fee_split_property(system, people, amount, fee_bps):
    g, u, alice = system.gateway, system.usd, people["alice"]
    with as_sender(system.admin):
        g.set_fee(fee_bps)
    fund(system, alice, amount)
    with as_sender(alice):
        g.pay(amount, ZERO32)
    (event,) = events(g, "PaymentReceived")
    fee = event.fee
    # The fraction rounded up: the least fee with fee * 10000 >= amount * fee_bps.
    assert fee * 10_000 >= amount * fee_bps > (fee - 1) * 10_000
    assert event.amount == amount and fee <= amount
    # A zero leg moves no tokens at all.
    expected = [(alice, system.treasury, fee)] if fee else []
    expected += [(alice, system.distributor.address, amount - fee)] if amount - fee else []
    assert transfers(g, u) == expected
    assert u.balanceOf(system.treasury) + u.balanceOf(system.distributor.address) == amount
    assert g.epoch_revenue(0) == amount - fee


def test_payments_accrue_to_the_epoch_they_are_made_in(system, people):
    g, alice, bob = system.gateway, people["alice"], people["bob"]
    net = lambda x: x - fee_of(x, system.params.fee_bps)  # noqa: E731
    system.pay(alice, 100 * USD)
    system.pay(bob, 40 * USD)
    set_time(system.epoch_end(0) - 1)
    system.pay(bob, 3 * USD)
    set_time(system.epoch_end(0))
    system.pay(alice, 7 * USD)
    assert events(g, "PaymentReceived")[0].epoch == 1
    set_time(system.epoch_end(4) + 5)
    system.pay(alice, 11 * USD)
    assert events(g, "PaymentReceived")[0].epoch == 5
    assert [g.epoch_revenue(e) for e in range(6)] == [
        net(100 * USD) + net(40 * USD) + net(3 * USD), net(7 * USD), 0, 0, 0, net(11 * USD)
    ]


def test_zero_amount_refused(system, people):
    with as_sender(people["alice"]), boa.reverts("gateway: zero amount"):
        system.gateway.pay(0, ZERO32)


def test_pay_needs_allowance_and_balance(system, people):
    alice = people["alice"]
    fund(system, alice, 10 * USD, allowance=5 * USD)
    with as_sender(alice), boa.reverts("erc20: insufficient allowance"):
        system.gateway.pay(10 * USD, ZERO32)
    with as_sender(alice):
        system.usd.approve(system.gateway.address, 20 * USD)
    with as_sender(alice), boa.reverts("erc20: transfer amount exceeds balance"):
        system.gateway.pay(20 * USD, ZERO32)
    assert system.gateway.epoch_revenue(0) == 0


def test_pay_without_distributor_refused(system, people):
    g = load("PaymentGateway", system.usd.address, system.treasury, 500, system.genesis, 60, sender=system.admin)
    fund(system, people["alice"], USD)
    with as_sender(people["alice"]), boa.reverts("gateway: no distributor"):
        g.pay(USD, ZERO32)


def test_pay_before_genesis_refused(people):
    s = deploy(genesis=now() + 1_000)
    fund(s, people["alice"], USD)
    with as_sender(people["alice"]), boa.reverts("clock: before genesis"):
        s.gateway.pay(USD, ZERO32)
    with boa.reverts("clock: before genesis"):
        s.gateway.current_epoch()
    set_time(s.genesis)
    with as_sender(people["alice"]):
        s.gateway.pay(USD, ZERO32)
    assert s.gateway.epoch_revenue(0) == USD - fee_of(USD, s.params.fee_bps)


# --- fee rounding, the fee limit, the epoch bound ------------------------------------


def test_a_payment_too_small_for_a_whole_unit_of_fee_still_pays_one(system, people):
    g, u, alice = system.gateway, system.usd, people["alice"]
    assert system.params.fee_bps == 500  # 19 units at 5% is 0.95 of a unit
    fund(system, alice, 19)
    with as_sender(alice):
        g.pay(19, ZERO32)
    assert [(e.amount, e.fee) for e in events(g, "PaymentReceived")] == [(19, 1)]
    assert transfers(g, u) == [(alice, system.treasury, 1), (alice, system.distributor.address, 18)]
    assert g.epoch_revenue(0) == 18


def test_the_whole_payment_is_the_fee_at_10000_bps(system, people):
    with as_sender(system.admin):
        system.gateway.set_fee(10_000)
    system.pay(people["alice"], 7)
    assert [(e.amount, e.fee) for e in events(system.gateway, "PaymentReceived")] == [(7, 7)]
    assert system.gateway.epoch_revenue(0) == 0


def test_both_pay_selectors_are_in_the_abi(system):
    pays = [f for f in system.gateway.abi if f.get("type") == "function" and f["name"] == "pay"]
    signatures = {f"pay({','.join(i['type'] for i in f['inputs'])})" for f in pays}
    assert signatures == {"pay(uint256,bytes32)", "pay(uint256,bytes32,uint256)"}
    # Wallets and other callers reach the contract by selector; both must answer.
    for signature, args in (("pay(uint256,bytes32)", (USD, ZERO32)), ("pay(uint256,bytes32,uint256)", (USD, ZERO32, 500))):
        data = keccak(text=signature)[:4] + abi_encode(signature[3:], args)
        customer = boa.env.generate_address(signature)
        fund(system, customer, USD)
        boa.env.raw_call(system.gateway.address, sender=customer, data=data)
        assert system.usd.balanceOf(customer) == 0


def test_max_fee_bps_refuses_a_fee_raised_before_the_payment(system, people):
    g, alice = system.gateway, people["alice"]
    fund(system, alice, 100 * USD)
    # The customer saw 5% and signs for at most that; the admin's raise is mined first.
    with as_sender(system.admin):
        g.set_fee(5_000)
    with as_sender(alice), boa.reverts("gateway: fee over max_fee_bps"):
        g.pay(100 * USD, ZERO32, 500)
    assert system.usd.balanceOf(alice) == 100 * USD and g.epoch_revenue(0) == 0
    with as_sender(alice):
        g.pay(100 * USD, ZERO32, 5_000)  # the limit is inclusive
    assert events(g, "PaymentReceived")[0].fee == 50 * USD


def test_max_fee_bps_at_or_over_the_fee_pays_as_without_it(system, people):
    g = system.gateway
    for limit in (500, 501, 10_000, 2**256 - 1):
        fund(system, people["bob"], 20 * USD)
        with as_sender(people["bob"]):
            g.pay(20 * USD, ZERO32, limit)
        assert events(g, "PaymentReceived")[0].fee == USD
    with as_sender(system.admin):
        g.set_fee(0)
    fund(system, people["bob"], USD)
    with as_sender(people["bob"]):
        g.pay(USD, ZERO32, 0)
    assert events(g, "PaymentReceived")[0].fee == 0


def test_payments_stop_at_the_last_epoch_the_distributor_can_finalize(people):
    # One-minute epochs reach MAX_EPOCHS after 69 days.
    s = deploy(Params(epoch_length=60))
    last = s.epoch_end(MAX_EPOCHS - 1)
    assert last - s.genesis == MAX_EPOCHS * 60 < 70 * 86_400
    set_time(last - 1)
    s.pay(people["alice"], USD)
    assert events(s.gateway, "PaymentReceived")[0].epoch == MAX_EPOCHS - 1
    set_time(last)
    fund(s, people["alice"], USD)
    with as_sender(people["alice"]), boa.reverts("gateway: epoch out of range"):
        s.gateway.pay(USD, ZERO32)
    with as_sender(people["alice"]), boa.reverts("gateway: epoch out of range"):
        s.gateway.pay(USD, ZERO32, 10_000)
    assert s.gateway.epoch_revenue(MAX_EPOCHS) == 0 and s.usd.balanceOf(people["alice"]) == USD


# --- pause ------------------------------------------------------------------------


def test_pause_and_unpause_by_the_right_roles(system, people):
    g = system.gateway
    for who in (system.admin, system.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            g.pause()
    with as_sender(system.guardian):
        g.pause()
    assert [fields(e) for e in events(g, "Paused")] == [{"account": system.guardian}]
    assert g.paused()
    with as_sender(system.guardian), boa.reverts("pausable: contract is paused"):
        g.pause()

    fund(system, people["alice"], USD)
    with as_sender(people["alice"]), boa.reverts("pausable: contract is paused"):
        g.pay(USD, ZERO32)

    for who in (system.guardian, system.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            g.unpause()
    with as_sender(system.admin):
        g.unpause()
    assert [fields(e) for e in events(g, "Unpaused")] == [{"account": system.admin}]
    assert not g.paused()
    with as_sender(system.admin), boa.reverts("pausable: contract is not paused"):
        g.unpause()
    with as_sender(people["alice"]):
        g.pay(USD, ZERO32)


def test_revoked_guardian_cannot_pause(system):
    g = system.gateway
    with as_sender(system.admin):
        g.revokeRole(GUARDIAN_ROLE, system.guardian)
    with as_sender(system.guardian), boa.reverts("access_control: account is missing role"):
        g.pause()


# --- admin functions ----------------------------------------------------------------


def test_distributor_is_set_once(system, people):
    g = load("PaymentGateway", system.usd.address, system.treasury, 500, system.genesis, 60, sender=system.admin)
    assert g.distributor() == ZERO_ADDRESS
    with as_sender(people["mallory"]), boa.reverts("access_control: account is missing role"):
        g.set_distributor(people["mallory"])
    with as_sender(system.admin), boa.reverts("gateway: zero distributor"):
        g.set_distributor(ZERO_ADDRESS)
    with as_sender(system.admin):
        g.set_distributor(people["dave"])
    assert [fields(e) for e in events(g, "DistributorSet")] == [{"distributor": people["dave"]}]
    assert g.distributor() == people["dave"]
    with as_sender(system.admin), boa.reverts("gateway: distributor already set"):
        g.set_distributor(people["carol"])
    # The production gateway was wired at deployment and is just as final.
    with as_sender(system.admin), boa.reverts("gateway: distributor already set"):
        system.gateway.set_distributor(people["carol"])


def test_set_fee(system, people):
    g = system.gateway
    for who in (system.guardian, system.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            g.set_fee(0)
    with as_sender(system.admin), boa.reverts("gateway: fee over 10000 bps"):
        g.set_fee(10_001)
    with as_sender(system.admin):
        g.set_fee(2_500)
    assert [fields(e) for e in events(g, "FeeChanged")] == [{"fee_bps": 2_500}]
    assert g.fee_bps() == 2_500
    system.pay(people["alice"], 100 * USD)
    assert events(g, "PaymentReceived")[0].fee == 25 * USD


def test_set_treasury(system, people):
    g, new = system.gateway, people["carol"]
    for who in (system.guardian, system.reporter, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            g.set_treasury(who)
    with as_sender(system.admin), boa.reverts("gateway: zero treasury"):
        g.set_treasury(ZERO_ADDRESS)
    with as_sender(system.admin):
        g.set_treasury(new)
    assert [fields(e) for e in events(g, "TreasuryChanged")] == [{"treasury": new}]
    system.pay(people["alice"], 100 * USD)
    assert system.usd.balanceOf(new) == 5 * USD and system.usd.balanceOf(system.treasury) == 0


def test_role_management(system, people):
    g, mallory = system.gateway, people["mallory"]
    with as_sender(mallory), boa.reverts("access_control: account is missing role"):
        g.grantRole(GUARDIAN_ROLE, mallory)
    with as_sender(mallory), boa.reverts("access_control: account is missing role"):
        g.revokeRole(GUARDIAN_ROLE, system.guardian)
    with as_sender(mallory), boa.reverts("access_control: account is missing role"):
        g.set_role_admin(GUARDIAN_ROLE, REPORTER_ROLE)
    with as_sender(mallory), boa.reverts("access_control: can only renounce roles for itself"):
        g.renounceRole(GUARDIAN_ROLE, system.guardian)
    with as_sender(system.guardian):
        g.renounceRole(GUARDIAN_ROLE, system.guardian)
    assert not g.hasRole(GUARDIAN_ROLE, system.guardian)
    with as_sender(system.admin):
        g.grantRole(GUARDIAN_ROLE, people["bob"])
    with as_sender(people["bob"]):
        g.pause()
    assert g.paused()
    assert g.getRoleAdmin(GUARDIAN_ROLE) == ADMIN_ROLE
    assert g.supportsInterface(bytes.fromhex("7965db0b"))  # IAccessControl
