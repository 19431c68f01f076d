"""The emission schedule against the spec's own iteration, written out in plain Python.

The on-chain view walks the schedule one decay segment at a time; the distributor advances a
cached copy one epoch at a time as epochs are finalized. Both must agree with the spec to the unit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.chain import system as declared
from tests.contracts.support import MAX_EPOCHS, as_sender, now, set_time
from tests.contracts.system import REPORTER_ROLE, TOKEN, GUARDIAN_ROLE, Params, deploy, load
from tests.helpers import examples

MAX_AMOUNT = 2**104 - 1
ROOT = b"\x01" * 32
# The longest price age the distributor accepts: one price posted at genesis then covers
# every epoch up to MAX_EPOCHS with one-second epochs.
MAX_PRICE_AGE = 365 * 86_400


@dataclass(frozen=True)
class Schedule:
    initial: int
    decay_bps: int
    period: int
    max_supply: int


class Reference:
    """The spec: rate_0 = initial_emission; at every epoch e > 0 with e % decay_period == 0,
    rate = rate * (10000 - decay_bps) // 10000; emission(e) = rate_e, capped so that the
    cumulative total never exceeds max_supply."""

    def __init__(self, s: Schedule, epochs: int) -> None:
        self.s = s
        self.rates: list[int] = []
        self.emissions: list[int] = []
        rate, total = s.initial, 0
        for e in range(epochs):
            if e > 0 and e % s.period == 0:
                rate = rate * (10_000 - s.decay_bps) // 10_000
            em = min(rate, s.max_supply - total)
            total += em
            self.rates.append(rate)
            self.emissions.append(em)

    @cached_property
    def cumulative(self) -> list[int]:
        out, total = [], 0
        for em in self.emissions:
            total += em
            out.append(total)
        return out

    @cached_property
    def stop_segment(self) -> int:
        """The first decay segment the on-chain view does not walk: it starts with a zero
        rate or a full cap, so nothing after it can be emitted."""
        p = self.s.period
        for k in range(len(self.rates) // p + 1):
            start = k * p
            if start >= len(self.rates):
                return k
            if self.rates[start] == 0 or (start > 0 and self.cumulative[start - 1] >= self.s.max_supply):
                return k
        return len(self.rates)

    def walk_cost(self, epoch: int) -> int:
        """How many segments the on-chain view walks for `epoch`; keeps the test's run time bounded."""
        return min(epoch // self.s.period, self.stop_segment)


SETS = {
    # Bitcoin/Helium-style halving with a long period; the cap is far away.
    "halving": (Schedule(1_000 * TOKEN, 5_000, 300, 10**9 * TOKEN), 2_000),
    # Halving whose cap is hit in the middle of the second period.
    "halving-capped": (Schedule(1_000 * TOKEN, 5_000, 300, 450_000 * TOKEN + 12_345), 1_000),
    # Smooth per-epoch decay, 0.1% per epoch.
    "smooth": (Schedule(1_000 * TOKEN, 10, 1, 10**9 * TOKEN), 1_500),
    # Cap reached in epoch 3, with a remainder that is not a whole rate.
    "cap-early": (Schedule(1_000 * TOKEN, 100, 10, 3_500 * TOKEN + 7), 800),
    # No decay at all: the cap alone ends emission.
    "zero-decay": (Schedule(7 * TOKEN + 3, 0, 1, 5_000 * TOKEN), 800),
    # The first decay wipes the rate out.
    "decay-10000": (Schedule(1_000 * TOKEN, 10_000, 50, 10**9 * TOKEN), 800),
    # A steep smooth decay that floors to zero after some epochs.
    "steep": (Schedule(2**100, 9_999, 1, MAX_AMOUNT), 400),
}


def test_reference_sanity():
    """The reference itself is a faithful reading of the spec on small hand-checked cases."""
    assert Reference(Schedule(100, 5_000, 2, 10**9), 7).emissions == [100, 100, 50, 50, 25, 25, 12]
    assert Reference(Schedule(100, 0, 1, 250), 4).emissions == [100, 100, 50, 0]
    assert Reference(Schedule(100, 10_000, 3, 10**9), 5).emissions == [100, 100, 100, 0, 0]
    assert Reference(Schedule(10, 1_000, 1, 10**9), 4).emissions == [10, 9, 8, 7]


def priced_from_genesis(params: Params, ended: int):
    """Feed, gateway and tokens for distributors of `params`' clock, with one price posted at genesis,
    which every epoch is priced by (a price counts from its posting on), and the first `ended` epochs over."""
    h = deploy(params)
    h.post_price()
    set_time(h.epoch_end(ended - 1))
    return h


@pytest.fixture(scope="module")
def harness():
    """One-second epochs, for walking many of them; roots take effect at once."""
    return priced_from_genesis(Params(epoch_length=1, max_price_age=MAX_PRICE_AGE), MAX_EPOCHS + 10)


# Hourly epochs with a revocation window, which must be shorter than an epoch.
HOURLY = Params(epoch_length=3600, root_delay=600, max_price_age=MAX_PRICE_AGE)


@pytest.fixture(scope="module")
def hourly():
    return priced_from_genesis(HOURLY, 100)


def distributor(h, s: Schedule):
    """A distributor of schedule `s` beside `h`'s, on its clock and with its root delay, minting a token of its own."""
    with as_sender(h.admin):
        nonce = boa.env.evm.vm.state.get_nonce(bytes.fromhex(h.admin[2:]))
        ahead = declared.ahead(["network_token", "reward_distributor"], h.admin, nonce)
        token = load("NetworkToken", "X", "X", s.max_supply, ahead["reward_distributor"])
        d = load(
            "RewardDistributor", token.address, h.usd.address, h.gateway.address, h.feed.address,
            h.genesis, h.params.epoch_length, s.initial, s.decay_bps, s.period, s.max_supply,
            h.params.root_delay, h.params.max_price_age,
        )
        d.grantRole(REPORTER_ROLE, h.reporter)
        d.grantRole(GUARDIAN_ROLE, h.guardian)
    return d


def sample_epochs(ref: Reference, n: int, budget: int, rng: random.Random) -> list[int]:
    """Epochs worth checking the view at: the start, around every decay boundary and the cap,
    the end, and random ones, within a budget of walked segments."""
    p = ref.s.period
    wanted = list(range(min(n, 12)))
    capped = [e for e in range(n) if ref.emissions[e] < ref.rates[e]]
    zero = [e for e in range(n) if ref.rates[e] == 0]
    for e in capped[:1] + zero[:1]:
        wanted += [e - 1, e, e + 1]
    wanted += [n - 1, len(ref.emissions) - 1]
    wanted += rng.sample(range(n), 10) + rng.sample(range(len(ref.emissions)), 20)
    for k in range(1, n // p + 1):
        wanted += [k * p - 1, k * p, k * p + 1]
    out, spent = [], 0
    for e in dict.fromkeys(x for x in wanted if 0 <= x < len(ref.emissions)):
        cost = ref.walk_cost(e)
        if spent + cost <= budget:
            out.append(e)
            spent += cost
    return out


def check_incremental(h, d, ref: Reference, n: int, probe: set[int] = frozenset()) -> None:
    """Finalizes epochs 0..n-1, each with subsidy = next_emission(), checking the cached schedule."""
    total = 0
    with as_sender(h.reporter):
        for e in range(n):
            want = ref.emissions[e]
            assert d.next_emission() == want, f"epoch {e}"
            if e in probe:
                with boa.reverts("distributor: subsidy over emission"):
                    d.finalize(e, ROOT, want + 1, 0, 0, 0)
            d.finalize(e, ROOT, want, 0, 0, 0)
            total += want
            assert d.scheduled_total() == total, f"epoch {e}"
    assert d.subsidy_finalized() == total == ref.cumulative[n - 1] <= ref.s.max_supply
    assert d.next_epoch() == n


# Finalizing costs milliseconds an epoch in the EVM: the schedules walked over 800 epochs or more take
# seconds each, and run where slow tests run (CI). The quick run keeps the short walk (steep) and the
# random schedules' walks of 120 epochs.
LONG = 800


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if n >= LONG else name
                                  for name, (_, n) in SETS.items()])
def test_incremental_schedule_matches_reference(harness, name):
    s, n = SETS[name]
    ref = Reference(s, n)
    d = distributor(harness, s)
    p = s.period
    capped = [e for e in range(n) if ref.emissions[e] < ref.rates[e]][:2]
    probe = {0, 1, n - 1, *capped, *(k * p for k in range(1, 4)), *(k * p - 1 for k in range(1, 4))}
    check_incremental(harness, d, ref, n, {e for e in probe if e < n})


@pytest.mark.parametrize("name", SETS)
def test_emission_view_matches_reference(harness, name):
    s, n = SETS[name]
    ref = Reference(s, MAX_EPOCHS)
    d = distributor(harness, s)
    epochs = sample_epochs(ref, n, budget=3_000, rng=random.Random(name))
    assert len(epochs) >= 20
    for e in epochs:
        assert d.emission(e) == ref.emissions[e], f"epoch {e}"


def test_view_at_the_last_epoch(harness):
    """With a period longer than the index range the walk is short even at the last epoch."""
    s = Schedule(3 * TOKEN, 2_500, 60_000, 250_000 * TOKEN + 1)
    ref = Reference(s, MAX_EPOCHS)
    d = distributor(harness, s)
    for e in (59_999, 60_000, 83_332, 83_333, 83_334, MAX_EPOCHS - 1):
        assert d.emission(e) == ref.emissions[e], f"epoch {e}"
    assert sum(ref.emissions) == s.max_supply
    with boa.reverts("schedule: epoch out of range"):
        d.emission(MAX_EPOCHS)
    with boa.reverts("schedule: epoch out of range"):
        d.emission(2**256 - 1)


def test_capped_total_never_exceeds_max_supply():
    for s, _ in SETS.values():
        ref = Reference(s, 3_000)
        assert ref.cumulative[-1] <= s.max_supply
        assert all(0 <= em <= r for em, r in zip(ref.emissions, ref.rates))


REVOKE_SETS = {
    "smooth": (SETS["smooth"][0], 60),
    # Decay boundaries at 4 and 8, the cap inside the second segment.
    "boundary-and-cap": (Schedule(1_000, 5_000, 4, 5_300), 40),
    # The cap is reached exactly at a decay boundary.
    "cap-at-boundary": (Schedule(1_000, 5_000, 4, 4_000), 40),
}


@pytest.mark.parametrize("name", REVOKE_SETS)
def test_revoking_every_epoch_keeps_the_schedule(hourly, name):
    """Finalizing an epoch with its full emission, revoking it, and finalizing it again
    with less leaves the cached schedule exactly where the reference says."""
    s, n = REVOKE_SETS[name]
    ref = Reference(s, n)
    d = distributor(hourly, s)
    total = 0
    for e in range(n):
        set_time(now() + hourly.params.root_delay)  # the previous root is in effect
        with as_sender(hourly.reporter):
            d.finalize(e, ROOT, ref.emissions[e], 0, 0, 0)
        with as_sender(hourly.guardian):
            d.revoke(e)
        assert (d.next_epoch(), d.next_emission(), d.scheduled_total()) == (e, ref.emissions[e], total), e
        with as_sender(hourly.reporter):
            d.finalize(e, ROOT, ref.emissions[e] // 2, 0, 0, 0)
        total += ref.emissions[e]
        assert d.scheduled_total() == total


def test_revoke_near_the_last_epoch_costs_what_it_costs_at_the_first():
    """Revoking used to rebuild the schedule from epoch 0: about 1,010 gas per elapsed epoch with a
    decay every epoch, past the 16.7M block gas limit from epoch 16.6k on; this same revocation took
    101 million gas on that contract. It now restores the schedule word as it stood before the root."""
    # A chain of its own, whose warm-storage counters can be reset without upsetting the test snapshots.
    with boa.swap_env(boa.Env()):
        h = priced_from_genesis(HOURLY, 2)
        s = Schedule(1_000 * TOKEN, 1, 1, 10**9 * TOKEN)
        e = MAX_EPOCHS - 10
        ref = Reference(s, e + 1)
        d = distributor(h, s)

        def revoke_gas(epoch: int) -> int:
            boa.env.evm.reset_access_counters()  # storage cold, as in a transaction of its own
            with as_sender(h.guardian):
                d.revoke(epoch)
            return d._computation.get_gas_used()

        def finalize(epoch: int) -> None:
            with as_sender(h.reporter):
                d.finalize(epoch, ROOT, ref.emissions[epoch], 0, 0, 0)

        finalize(0)
        set_time(now() + h.params.root_delay)
        finalize(1)
        early = revoke_gas(1)

        # The word finalizing epochs 0 to e - 1 would have left, with their root in effect.
        slot = d.compiler_data.storage_layout["storage_layout"]["_schedule"]["slot"]
        boa.env.set_storage(d.address, slot, (ref.cumulative[e - 1] << 152) | (ref.rates[e - 1] << 48) | (e << 8))
        restored = (e, ref.emissions[e], ref.cumulative[e - 1])
        assert (d.next_epoch(), d.next_emission(), d.scheduled_total()) == restored
        set_time(h.epoch_end(e))
        h.post_price()  # the genesis price is years stale by now
        finalize(e)
        late = revoke_gas(e)
        assert (d.next_epoch(), d.next_emission(), d.scheduled_total()) == restored
    assert late < 100_000
    # Storage writes are priced by the values they replace, so the two may differ a little; not by the epoch.
    assert abs(late - early) <= 2_000, (early, late)


schedules = st.builds(
    lambda initial, decay, period, extra, cap_kind: Schedule(
        initial, decay, period,
        min(MAX_AMOUNT, max(1, initial * extra + (extra % 7) if cap_kind else initial + MAX_AMOUNT // 2)),
    ),
    initial=st.one_of(st.integers(0, 10**6), st.integers(10**18, 10**24), st.integers(0, MAX_AMOUNT)),
    decay=st.one_of(st.sampled_from([0, 1, 5_000, 9_999, 10_000]), st.integers(0, 10_000)),
    period=st.one_of(st.just(1), st.integers(1, 12), st.integers(13, 400)),
    extra=st.integers(1, 60),
    cap_kind=st.booleans(),
)


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=schedules, seed=st.integers(0, 2**32))
def test_random_schedules(harness, s, seed):
    n = 120
    ref = Reference(s, MAX_EPOCHS)
    d = distributor(harness, s)
    for e in sample_epochs(ref, n, budget=150, rng=random.Random(seed)):
        assert d.emission(e) == ref.emissions[e], f"epoch {e}"
    check_incremental(harness, d, ref, n, probe={0, n - 1, s.period})
