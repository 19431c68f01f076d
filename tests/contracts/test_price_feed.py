"""PriceFeed: the reporter posts the token's USD price (8 decimals); Chainlink-style reads; the price at a time."""

from __future__ import annotations

import bisect
import random

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


def post(system, price: int, at: int | None = None) -> int:
    """Posts `price` at time `at` (default: now); returns the posting time."""
    if at is not None:
        set_time(at)
    with as_sender(system.reporter):
        system.feed.post_price(price)
    return now()


class History:
    """What `price_at` should answer: the last of the posts made at or before a time."""

    def __init__(self) -> None:
        self.times: list[int] = []
        self.prices: list[int] = []

    def add(self, t: int, price: int) -> None:
        self.times.append(t)
        self.prices.append(price)

    def at(self, t: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.times, t)
        return (self.prices[i - 1], self.times[i - 1]) if i else (0, 0)

    def after(self, t: int) -> tuple[int, int]:
        """What `price_after` should answer: the first post made after `t`."""
        i = bisect.bisect_right(self.times, t)
        return (self.prices[i], self.times[i]) if i < len(self.times) else (0, 0)

    def probes(self) -> set[int]:
        """Every posting time and its neighbours, and times before and after them all."""
        return {0, 1} | {t + d for t in self.times for d in (-1, 0, 1)} | {self.times[-1] + 10**9, 2**256 - 1}


def test_before_the_first_post_everything_is_zero(system):
    f = system.feed
    assert f.latestRoundData() == (0, 0, 0, 0, 0)
    assert f.latest_price() == (0, 0)
    assert f.price_at(0) == f.price_at(now()) == f.price_at(2**256 - 1) == (0, 0)
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


# --- price_at --------------------------------------------------------------------------


def test_price_at_or_after_the_latest_post_is_the_latest_price(system):
    t1 = post(system, 100, now() + 10)
    t2 = post(system, 200, t1 + 3_600)
    for t in (t2, t2 + 1, t2 + 10**6, 2**256 - 1):
        assert system.feed.price_at(t) == system.feed.latest_price() == (200, t2)


def test_a_post_made_exactly_at_t_counts(system):
    t1 = post(system, 100, now() + 10)
    t2 = post(system, 200, t1 + 60)
    t3 = post(system, 300, t2 + 60)
    f = system.feed
    assert [f.price_at(t) for t in (t1 - 1, t1, t2 - 1, t2, t3 - 1, t3)] == [
        (0, 0), (100, t1), (100, t1), (200, t2), (200, t2), (300, t3),
    ]


def test_before_the_first_post_the_price_is_none(system):
    t1 = post(system, 100, now() + 1_000)
    assert system.feed.price_at(t1 - 1) == system.feed.price_at(0) == (0, 0)
    t2 = post(system, 200, t1 + 1)
    post(system, 300, t2 + 1)
    # Also when the search has to go past the round before the latest.
    assert system.feed.price_at(t1 - 1) == system.feed.price_at(0) == (0, 0)


def test_several_posts_at_one_time_resolve_to_the_last(system):
    f = system.feed
    t1 = post(system, 11, now() + 5)
    post(system, 12)
    post(system, 13)
    t2 = post(system, 21, t1 + 100)
    post(system, 22)
    t3 = post(system, 31, t2 + 100)
    assert (f.price_at(t1), f.price_at(t2 - 1), f.price_at(t2), f.price_at(t3 - 1)) == (
        (13, t1), (13, t1), (22, t2), (22, t2),
    )
    post(system, 32)
    assert f.price_at(t3) == f.latest_price() == (32, t3)
    assert f.latestRoundData()[0] == 7


def test_fifty_rounds_against_a_reference(system):
    rng = random.Random(50)
    history = History()
    t = now()
    for i in range(50):
        # Gaps of every size, same-block posts included.
        t += rng.choice([0, 0, 1, 2, 59, 3_600, rng.randrange(1, 10**6)])
        price = rng.randrange(1, MAX_PRICE)
        history.add(post(system, price, t), price)
    assert system.feed.latestRoundData()[0] == 50
    probes = history.probes() | {rng.randrange(history.times[0] - 10, history.times[-1] + 10) for _ in range(200)}
    for probe in sorted(probes):
        assert system.feed.price_at(probe) == history.at(probe), probe
        assert system.feed.price_after(probe) == history.after(probe), probe


@settings(max_examples=25, deadline=None)
@given(
    posts=st.lists(
        st.tuples(st.integers(1, MAX_PRICE), st.one_of(st.just(0), st.integers(1, 3), st.integers(0, 10**7))),
        min_size=1, max_size=50,
    ),
    extra=st.lists(st.integers(0, 2 * 10**9), max_size=20),
)
def test_price_at_matches_the_reference(system, posts, extra):
    history = History()
    for price, wait in posts:
        history.add(post(system, price, now() + wait), price)
    for probe in sorted(history.probes() | set(extra)):
        assert system.feed.price_at(probe) == history.at(probe), probe
        assert system.feed.price_after(probe) == history.after(probe), probe


def test_the_usual_price_at_costs_about_what_latest_price_costs():
    """The distributor asks for the price at an epoch's end, usually after the latest post: that path reads
    one slot, like `latest_price`; a time in the round before costs one cold read more."""
    # A chain of its own, whose warm-storage counters can be reset without upsetting the test snapshots.
    with boa.swap_env(boa.Env()):
        admin, reporter = boa.env.generate_address("admin"), boa.env.generate_address("reporter")
        f = load("PriceFeed", now(), 3_600, sender=admin)
        with as_sender(admin):
            f.grantRole(REPORTER_ROLE, reporter)
        with as_sender(reporter):
            f.post_price(100)
            t1 = now()
            set_time(t1 + 60)
            f.post_price(200)

        def gas(fn, *args) -> int:
            boa.env.evm.reset_access_counters()  # storage cold, as in a transaction of its own
            fn(*args)
            return f._computation.get_gas_used()

        latest = gas(f.latest_price)
        assert latest < gas(f.price_at, now()) <= latest + 200
        assert latest + 2_100 < gas(f.price_at, t1) <= latest + 200 + 2_600
