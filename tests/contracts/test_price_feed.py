"""PriceFeed: the reporter posts the token's USD price (8 decimals); Chainlink-style reads."""

from __future__ import annotations

import boa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contracts.support import (
    as_sender, assert_spec_event_abi, assert_spec_topics, events, fields, now, set_time,
)
from tests.contracts.system import REPORTER_ROLE, deploy, load

MAX_PRICE = 2**127 - 1


def test_event_matches_spec(system):
    assert_spec_event_abi(system.feed, "PriceUpdated")


def test_before_the_first_post_everything_is_zero(system):
    f = system.feed
    assert f.latestRoundData() == (0, 0, 0, 0, 0)
    assert f.latest_price() == (0, 0)
    assert (f.decimals(), f.description()) == (8, "NETWORK / USD")
    assert (f.GENESIS(), f.EPOCH_LENGTH(), f.current_epoch()) == (system.genesis, system.params.epoch_length, 0)


def test_zero_epoch_length_refused(system):
    with boa.reverts("clock: zero epoch length"):
        load("PriceFeed", system.genesis, 0)


def test_post_price(system):
    f = system.feed
    set_time(system.epoch_end(1) + 10)
    with as_sender(system.reporter):
        f.post_price(123_456_789)
    assert [fields(e) for e in events(f, "PriceUpdated")] == [{"epoch": 2, "price": 123_456_789}]
    assert_spec_topics(f, "PriceUpdated")
    t = now()
    assert f.latest_price() == (123_456_789, t)
    assert f.latestRoundData() == (1, 123_456_789, t, t, 1)
    set_time(t + 77)
    with as_sender(system.reporter):
        f.post_price(5)
    assert f.latestRoundData() == (2, 5, t + 77, t + 77, 2)
    assert f.latest_price() == (5, t + 77)


def test_reporter_only(system, people):
    for who in (system.admin, system.guardian, system.treasury, people["mallory"]):
        with as_sender(who), boa.reverts("access_control: account is missing role"):
            system.feed.post_price(10**8)
    assert system.feed.latest_price() == (0, 0)


def test_zero_and_oversized_price_refused(system):
    with as_sender(system.reporter):
        with boa.reverts("feed: price out of range"):
            system.feed.post_price(0)
        with boa.reverts("feed: price out of range"):
            system.feed.post_price(MAX_PRICE + 1)
        system.feed.post_price(MAX_PRICE)
    assert system.feed.latest_price()[0] == MAX_PRICE
    assert system.feed.latestRoundData()[1] == MAX_PRICE


def test_post_before_genesis_refused():
    s = deploy(genesis=now() + 100)
    with as_sender(s.reporter), boa.reverts("clock: before genesis"):
        s.feed.post_price(10**8)


def test_reporter_role_is_managed_by_the_admin(system, people):
    f, bob = system.feed, people["bob"]
    with as_sender(people["mallory"]), boa.reverts("access_control: account is missing role"):
        f.grantRole(REPORTER_ROLE, people["mallory"])
    with as_sender(system.admin):
        f.grantRole(REPORTER_ROLE, bob)
        f.revokeRole(REPORTER_ROLE, system.reporter)
    with as_sender(bob):
        f.post_price(42)
    with as_sender(system.reporter), boa.reverts("access_control: account is missing role"):
        f.post_price(43)
    assert f.latest_price()[0] == 42


@settings(max_examples=30, deadline=None)
@given(posts=st.lists(st.tuples(st.integers(1, MAX_PRICE), st.integers(0, 10**6)), min_size=1, max_size=10))
def test_latest_round_tracks_every_post(system, posts):
    f = system.feed
    for i, (price, wait) in enumerate(posts, start=1):
        set_time(now() + wait)
        with as_sender(system.reporter):
            f.post_price(price)
        assert f.latestRoundData() == (i, price, now(), now(), i)
        assert f.latest_price() == (price, now())
