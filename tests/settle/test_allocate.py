"""Pro-rata allocation is exact: it sums to the total, never depends on input order, and is fair to the unit."""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from indexer.settle.allocate import allocate

addresses = st.integers(min_value=1, max_value=2**160 - 1).map(lambda n: "0x" + f"{n:040x}")
work_maps = st.dictionaries(addresses, st.integers(min_value=1, max_value=10**12), min_size=1, max_size=60)
totals = st.one_of(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=2**112))


@settings(max_examples=300, deadline=None)
@given(total=totals, work=work_maps)
def test_allocations_sum_exactly_and_stay_within_one_unit_of_the_exact_share(total: int, work: dict[str, int]) -> None:
    shares = allocate(total, work)
    assert set(shares) == set(work)
    assert sum(shares.values()) == total
    weight = sum(work.values())
    for account, units in work.items():
        assert shares[account] >= 0
        # floor(exact) <= share <= floor(exact) + 1
        floor = total * units // weight
        assert floor <= shares[account] <= floor + 1


@settings(max_examples=200, deadline=None)
@given(total=totals, work=work_maps, seed=st.integers())
def test_allocation_does_not_depend_on_input_order(total: int, work: dict[str, int], seed: int) -> None:
    items = list(work.items())
    random.Random(seed).shuffle(items)
    assert allocate(total, dict(items)) == allocate(total, work)


@settings(max_examples=200, deadline=None)
@given(work=work_maps, data=st.data())
def test_dust_goes_to_the_largest_remainders(work: dict[str, int], data: st.DataObject) -> None:
    total = data.draw(st.integers(min_value=0, max_value=len(work)))
    shares = allocate(total, work)
    weight = sum(work.values())
    got_extra = {a for a in work if shares[a] > total * work[a] // weight}
    left_out = set(work) - got_extra
    # Nobody left out has a strictly larger remainder than someone who got a unit.
    if got_extra and left_out:
        least_winner = min((total * work[a]) % weight for a in got_extra)
        assert all((total * work[a]) % weight <= least_winner for a in left_out)


def test_equal_remainders_break_ties_by_address() -> None:
    work = {"0x00000000000000000000000000000000000000cc": 1, "0x00000000000000000000000000000000000000aa": 1,
            "0x00000000000000000000000000000000000000bb": 1}
    assert allocate(2, work) == {"0x00000000000000000000000000000000000000aa": 1,
                                 "0x00000000000000000000000000000000000000bb": 1,
                                 "0x00000000000000000000000000000000000000cc": 0}
