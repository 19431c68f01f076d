"""The ledger's pure parts: the schedule in Python, which finalization stands, the carry, and the split the close,
the import and the verifier share."""

from __future__ import annotations

from hypothesis import given, strategies as st

from indexer.chain.schedule import emission
from indexer.settle import ledger
from indexer.settle.close import EpochState, plan
from indexer.settle.ledger import EpochTotals, Finalized, Revoked
from tests.contracts.test_emission import Reference, Schedule

A, B, C = "0x" + "aa" * 20, "0x" + "Bb" * 20, "0x" + "0c" * 20


@given(initial=st.integers(0, 10**24), decay_bps=st.integers(0, 10_000), period=st.integers(1, 9),
       max_supply=st.integers(1, 10**27))
def test_the_python_schedule_is_the_specs_iteration(initial: int, decay_bps: int, period: int, max_supply: int) -> None:
    initial = min(initial, max_supply)
    reference = Reference(Schedule(initial, decay_bps, period, max_supply), 60)
    parameters = {"initial_emission": initial, "decay_bps": decay_bps, "decay_period": period, "max_supply": max_supply}
    assert [emission(parameters, e) for e in range(60)] == reference.emissions


def _f(epoch: int, root: str, block: int, tx: str = "", revenue: int = 0, index: int = 0) -> Finalized:
    return Finalized(epoch, root, 10, revenue, 1, 1, 5, block, index, tx or f"t{block}")


def test_a_revocation_undoes_its_root_and_a_later_finalization_stands() -> None:
    first, again = _f(0, "0x01", 10), _f(0, "0x02", 20)
    assert ledger.standing([first], []) == {0: first}
    assert ledger.standing([first], [Revoked(0, "0x01", 15, 0)]) == {}
    assert ledger.standing([first, again], [Revoked(0, "0x01", 15, 0)]) == {0: again}
    # A revocation names the root it revokes: one of another root changes nothing.
    assert ledger.standing([first], [Revoked(0, "0x09", 15, 0)]) == {0: first}
    # Order is the chain's, not the lists'.
    assert ledger.standing([again, first], [Revoked(0, "0x01", 15, 0)]) == {0: again}


def test_a_range_is_one_group_and_epochs_find_their_range() -> None:
    stand = {0: _f(0, "0x01", 5), 1: _f(1, "0x03", 9, "r", index=0), 2: _f(2, "0x03", 9, "r", index=1), 3: _f(3, "0x04", 12)}
    groups = ledger.roots(stand)
    assert [[f.epoch for f in g] for g in groups] == [[0], [1, 2], [3]]
    assert [f.epoch for f in ledger.root_of(groups, 2)] == [1, 2]
    assert ledger.root_of(groups, 4) is None


def test_the_carry_is_what_earlier_pools_left() -> None:
    stand = {0: _f(0, "0x01", 5, revenue=90), 1: _f(1, "0x02", 6, revenue=50)}
    assert ledger.carry_before(0, stand, {0: 100}) == 0
    assert ledger.carry_before(2, stand, {0: 100, 1: 60, 2: 7}) == 20


def test_the_close_is_the_split_of_whole_emission_and_pool() -> None:
    work = {A: 3, B: 1, C: 2}
    previous = {A: (5, 5), "0x" + "dd" * 20: (9, 9)}
    states = [EpochState(4, emission=1_000, income=77, price=3, price_updated_at=0),
              EpochState(5, emission=999, income=0, price=4, price_updated_at=0)]
    closed = plan(states, 11, work, previous, 31337, "0x" + "11" * 20)
    split = ledger.split([EpochTotals(4, 1_000, 88, 3), EpochTotals(5, 999, 0, 4)], work, previous, 31337, "0x" + "11" * 20)
    assert closed.tree.root == split.tree.root and closed.epochs == split.epochs
    assert [(e.subsidy, e.revenue) for e in split.epochs] == [(1_000, 88), (999, 0)]
    assert split.epochs[-1].cumulative[A] == (5 + split.allocations[A][0], 5 + split.allocations[A][1])
    assert ledger.entitlements(split.tree)["0x" + "dd" * 20] == (9, 9)


def test_differences_name_every_account_that_differs_either_way() -> None:
    assert ledger.differences({A: (1, 1), B: (2, 2)}, {A: (1, 1), B: (2, 3), C: (0, 1)}) == [C, B]
