"""Closing a range, without a chain: each epoch allocated on its own and summing exactly to its own event,
one cumulative tree, the checks `epoch close` makes before it sends, and its table at 80 columns."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st
from rich.console import Console

from indexer.chain.epochs import Epochs
from indexer.chain.units import NETWORK_TOKEN_DECIMALS, Unit
from indexer.cli.settle_cmd import plan_tables
from indexer.errors import FlywheelError
from indexer.paths import CONTRACTS_DIR
from indexer.settle import claim as claiming, close
from indexer.settle.allocate import allocate
from indexer.settle.close import ChainState, EpochState, check_range, plan, preflight

CHAIN_ID = 31337
DISTRIBUTOR = "0x" + "d1" * 20
A, B, C = ("0x" + f"{n:040x}" for n in (0xA, 0xB, 0xC))

addresses = st.integers(min_value=1, max_value=2**160 - 1).map(lambda n: "0x" + f"{n:040x}")
work_maps = st.dictionaries(addresses, st.integers(min_value=1, max_value=10**12), min_size=1, max_size=20)
amounts = st.one_of(st.integers(min_value=0, max_value=1_000), st.integers(min_value=0, max_value=2**100))
epoch_states = st.lists(st.tuples(amounts, amounts, st.integers(min_value=1, max_value=10**12)), min_size=1, max_size=8)


def _states(first: int, rows: list[tuple[int, int, int]]) -> list[EpochState]:
    return [EpochState(first + i, emission, income, price, 0) for i, (emission, income, price) in enumerate(rows)]


@settings(max_examples=200, deadline=None)
@given(rows=epoch_states, work=work_maps, carry=amounts, previous=st.dictionaries(addresses, st.tuples(amounts, amounts)))
def test_each_epoch_is_allocated_on_its_own_and_sums_exactly_to_its_own_totals(
        rows: list[tuple[int, int, int]], work: dict[str, int], carry: int, previous: dict[str, tuple[int, int]]) -> None:
    states = _states(5, rows)
    p = plan(states, carry, work, previous, CHAIN_ID, DISTRIBUTOR)
    assert [e.epoch for e in p.epochs] == [s.epoch for s in states]
    pool = carry
    for s, e in zip(states, p.epochs):
        pool += s.income
        # The whole emission and the whole running pool, split by the same largest-remainder code.
        assert (e.subsidy, e.revenue, e.price) == (s.emission, pool, s.price)
        assert {a: sub for a, (sub, _) in e.allocations.items()} == allocate(s.emission, work)
        assert {a: rev for a, (_, rev) in e.allocations.items()} == allocate(pool, work)
        assert sum(sub for sub, _ in e.allocations.values()) == e.subsidy
        assert sum(rev for _, rev in e.allocations.values()) == e.revenue
        pool -= e.revenue
    assert pool == 0  # someone always has work, so nothing is carried past the range
    leaves = {x.account: (x.cumulative_subsidy, x.cumulative_revenue) for x in p.tree.entitlements}
    for account in set(work) | set(previous):
        before = previous.get(account, (0, 0))
        gained = p.allocations.get(account, (0, 0))
        assert leaves[account] == (before[0] + gained[0], before[1] + gained[1])
    assert (p.work_units, p.contributors) == (sum(work.values()), len(work))
    assert (p.subsidy, p.revenue) == (sum(e.subsidy for e in p.epochs), sum(e.revenue for e in p.epochs))


def test_a_range_of_one_is_the_single_close() -> None:
    work = {A: 1, B: 2}
    p = plan(_states(3, [(1_000, 301, 7)]), 6, work, {C: (5, 5)}, CHAIN_ID, DISTRIBUTOR)
    assert (p.first, p.last, p.describe()) == (3, 3, "epoch 3")
    assert p.allocations == {a: (allocate(1_000, work)[a], allocate(307, work)[a]) for a in work}
    assert {(e.account, e.cumulative_subsidy) for e in p.tree.entitlements} == {(A, 333), (B, 667), (C, 5)}


def test_a_range_is_not_the_sum_allocated_at_once() -> None:
    """Three epochs of 1 unit each to two equal workers: allocated at once, 3 units split 2-1; epoch by epoch,
    each unit goes to the lower address (the tie rule), so its three events each say 1 and A has all 3."""
    p = plan(_states(0, [(1, 0, 1)] * 3), 0, {A: 1, B: 1}, {}, CHAIN_ID, DISTRIBUTOR)
    assert [e.allocations for e in p.epochs] == [{A: (1, 0), B: (0, 0)}] * 3
    assert p.allocations == {A: (3, 0), B: (0, 0)}
    assert p.describe() == "epochs 0 to 2"


@pytest.mark.parametrize(("first", "last", "fragment"), [
    (4, 3, "--through 3 is before --epoch 4"),
    (0, 64, "epochs 0 to 64 are 65 epochs; one close takes at most 64"),
    (99_999, 100_000, "past the last epoch the distributor can finalize, 99999"),
])
def test_a_range_the_distributor_never_takes_is_refused_from_the_arguments(first: int, last: int, fragment: str) -> None:
    with pytest.raises(FlywheelError, match=re.escape(fragment)):
        check_range(first, last)


def test_the_longest_range_is_accepted() -> None:
    check_range(0, 63)
    check_range(7, 7)


EPOCHS = Epochs(genesis=1_000_000, length=3_600)
D = SimpleNamespace(manifest=SimpleNamespace(epochs=EPOCHS))
AGE = 7_200


def _state(first: int, last: int, **changes: object) -> ChainState:
    # Every epoch priced a second before its end, unless a test says otherwise.
    epochs = tuple(EpochState(e, 10, 0, 5, EPOCHS.end(e) - 1) for e in range(first, last + 1))
    fields = dict(next_epoch=first, carry=0, latest_root=b"\1" * 32, root_posted_at=0, root_delay=0,
                  max_price_age=AGE, finalization_paused=False, epochs=epochs)
    return ChainState(**(fields | changes))


def _priced(state: ChainState, epoch: int, price: int, updated_at: int) -> ChainState:
    return ChainState(**(vars(state) | {"epochs": tuple(
        EpochState(s.epoch, s.emission, s.income, price, updated_at) if s.epoch == epoch else s for s in state.epochs)}))


def _refusal(state: ChainState, first: int, last: int, now: int) -> str:
    with pytest.raises(FlywheelError) as caught:
        preflight(D, state, first, last, now)
    return str(caught.value)


def test_preflight_prices_each_epoch_at_its_end_within_the_age_limit() -> None:
    now = EPOCHS.end(5)
    preflight(D, _state(2, 5), 2, 5, now)
    # Posted exactly max_price_age before the end is still in time, as the contract's `>=` says; a second more is not.
    preflight(D, _priced(_state(2, 5), 4, 5, EPOCHS.end(4) - AGE), 2, 5, now)
    stale = _refusal(_priced(_state(2, 5), 4, 5, EPOCHS.end(4) - AGE - 1), 2, 5, now)
    assert stale.startswith("the price of epoch 4 is stale") and f"more than {AGE} s before" in stale
    assert _refusal(_priced(_state(2, 5), 3, 0, 0), 2, 5, now).startswith("no price was posted by the end of epoch 3")


def test_preflight_refuses_what_the_distributor_would_in_its_order() -> None:
    now = EPOCHS.end(5)
    assert _refusal(_state(2, 5, finalization_paused=True), 2, 5, now).startswith("finalization is paused")
    assert "out of order: the next epoch to close is 1" in _refusal(_state(2, 5, next_epoch=1), 2, 5, now)
    assert _refusal(_state(2, 6), 2, 6, now).startswith("epoch 6 has not ended")
    pending = _state(2, 5, root_posted_at=now - 10, root_delay=600)
    assert _refusal(pending, 2, 5, now).startswith("the previous root is pending until")
    assert "one close takes at most 64" in _refusal(_state(2, 5), 0, 64, now)


def test_the_batch_and_range_bounds_are_the_distributors() -> None:
    source = (CONTRACTS_DIR / "RewardDistributor.vy").read_text()
    bound = dict(re.findall(r"^(MAX_BATCH|MAX_RANGE): constant\(uint256\) = (\d+)$", source, re.MULTILINE))
    assert int(bound["MAX_BATCH"]) == claiming.MAX_BATCH
    assert int(bound["MAX_RANGE"]) == close.MAX_RANGE
    with pytest.raises(ValueError, match="1 to 16 claims"):
        claiming.submit_claims(None, None, None, [], batch=claiming.MAX_BATCH + 1)  # type: ignore[arg-type]


FLY = Unit("FLY", NETWORK_TOKEN_DECIMALS)
USD = Unit("USD", 6)


def test_a_range_prints_each_epoch_and_the_totals_whole_at_80_columns() -> None:
    rows = [(33_333_333_333_333_333_333_333, 1_187_975_123, 123_456_789)] * 7 + [(95_000 * 10**18, 0, 50_000_000)]
    p = plan(_states(12, rows), 0, {A: 1, B: 2, C: 3}, {}, CHAIN_ID, DISTRIBUTOR)
    console = Console(width=80, record=True, file=io.StringIO())
    for table in plan_tables(p, FLY, USD):
        console.print(table)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "epochs 12 to 19 closed" in text and "epochs 12 to 19, each allocated on its own" in text
    each = (FLY.plain(rows[0][0], ","), USD.plain(rows[0][1], ","), "1.23456789")
    for amount in (*each, FLY.plain(p.subsidy, ","), FLY.show(p.subsidy), USD.show(p.revenue)):
        assert amount in text, amount  # whole: never folded across lines
    assert len(re.findall(r"^\W*1[2-9] ", text, re.MULTILINE)) == 8  # a row per epoch


def test_a_single_epoch_prints_its_totals_alone() -> None:
    p = plan(_states(0, [(100_000 * 10**18, 950_000_000, 50_000_000)]), 0, {A: 1}, {}, CHAIN_ID, DISTRIBUTOR)
    tables = plan_tables(p, FLY, USD)
    assert [t.title for t in tables] == ["epoch 0 closed"]


def test_an_epoch_whose_end_saw_no_fresh_price_takes_the_first_one_posted_after_it() -> None:
    """After an outage longer than the price age, a new price lets the epochs go on: they log it."""
    now = EPOCHS.end(5)
    stale = _priced(_state(2, 5), 4, 5, EPOCHS.end(4) - AGE - 1)
    late = ChainState(**(vars(stale) | {"epochs": tuple(
        EpochState(s.epoch, s.emission, s.income, s.price, s.price_updated_at, 9 if s.epoch == 4 else 0)
        for s in stale.epochs)}))
    preflight(D, late, 2, 5, now)
    logged = [s.logged_price(AGE, EPOCHS.end(s.epoch)) for s in late.epochs]
    assert logged == [5, 5, 9, 5]
    none = ChainState(**(vars(late) | {"epochs": tuple(
        EpochState(s.epoch, s.emission, s.income, 0, 0, 0) if s.epoch == 3 else s for s in late.epochs)}))
    assert _refusal(none, 2, 5, now).startswith("no price was posted by the end of epoch 3")
