"""The `packing` module: every getter and packer of the distributor's packed words, through its mock.

The layouts are written out here from the distributor's description, field by field, low bits first;
each test derives what a getter must return and what a packer must produce from them alone.
"""

from __future__ import annotations

from pathlib import Path

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

MOCK = Path(__file__).parent / "mocks" / "packing_mock.vy"
WORD = 2**256 - 1

# layout -> [(field, offset, bits)], low bits first; a packer takes the fields high bits first.
LAYOUTS: dict[str, list[tuple[str, int, int]]] = {
    "schedule": [("next_epoch", 0, 32), ("rate", 32, 112), ("total", 144, 112)],
    "ledger": [("posted_at", 0, 40), ("carry", 40, 108), ("revenue_finalized", 148, 108)],
    "pair": [("revenue", 0, 128), ("subsidy", 128, 128)],
}
FIELDS = [(layout, name) for layout, fields in LAYOUTS.items() for name, _, _ in fields]
# The bound the distributor checks an amount against before packing it into each field.
BOUND_OF = {
    ("schedule", "next_epoch"): "MAX_SCHEDULE_EPOCH",
    ("schedule", "rate"): "MAX_SCHEDULE_AMOUNT",
    ("schedule", "total"): "MAX_SCHEDULE_AMOUNT",
    ("ledger", "posted_at"): "MAX_LEDGER_TIME",
    ("ledger", "carry"): "MAX_LEDGER_AMOUNT",
    ("ledger", "revenue_finalized"): "MAX_LEDGER_AMOUNT",
    ("pair", "revenue"): "MAX_PAIR_AMOUNT",
    ("pair", "subsidy"): "MAX_PAIR_AMOUNT",
}


@pytest.fixture(scope="module")
def packing():
    return boa.load_partial(str(MOCK)).deploy()


def field(layout: str, name: str) -> tuple[int, int]:
    return next((offset, bits) for n, offset, bits in LAYOUTS[layout] if n == name)


def top(layout: str, name: str) -> int:
    offset, bits = field(layout, name)
    return ((1 << bits) - 1) << offset


def get(packing, layout: str, name: str, word: int) -> int:
    return getattr(packing, f"{layout}_{name}")(word)


def pack(packing, layout: str, values: dict[str, int]) -> int:
    """Calls the packer with `values` by field name, in its high-bits-first argument order."""
    return getattr(packing, f"pack_{layout}")(*[values[n] for n, _, _ in reversed(LAYOUTS[layout])])


def expected_fields(layout: str, word: int) -> dict[str, int]:
    return {n: (word >> offset) & ((1 << bits) - 1) for n, offset, bits in LAYOUTS[layout]}


def assert_reads(packing, layout: str, word: int) -> None:
    assert {n: get(packing, layout, n, word) for n, _, _ in LAYOUTS[layout]} == expected_fields(layout, word)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_fields_tile_the_word(layout):
    """No gap and no overlap: every bit of the word belongs to exactly one field."""
    covered = 0
    for name, _, _ in LAYOUTS[layout]:
        assert covered & top(layout, name) == 0
        covered |= top(layout, name)
    assert covered == WORD


@pytest.mark.parametrize("layout, name", FIELDS)
def test_each_bound_is_its_field_full(packing, layout, name):
    assert getattr(packing, BOUND_OF[layout, name])() == (1 << field(layout, name)[1]) - 1


@pytest.mark.parametrize("layout, name", FIELDS)
def test_a_field_at_its_maximum_among_empty_neighbours(packing, layout, name):
    word = top(layout, name)
    values = {n: (word >> offset) & ((1 << bits) - 1) for n, offset, bits in LAYOUTS[layout]}
    assert values[name] == (1 << field(layout, name)[1]) - 1
    assert_reads(packing, layout, word)
    assert pack(packing, layout, values) == word


@pytest.mark.parametrize("layout, name", FIELDS)
def test_an_empty_field_among_full_neighbours(packing, layout, name):
    word = WORD ^ top(layout, name)
    values = expected_fields(layout, word)
    assert values[name] == 0 and all(v == (1 << field(layout, n)[1]) - 1 for n, v in values.items() if n != name)
    assert_reads(packing, layout, word)
    assert pack(packing, layout, values) == word


@pytest.mark.parametrize("layout", LAYOUTS)
def test_empty_and_full_words(packing, layout):
    for word in (0, WORD):
        assert_reads(packing, layout, word)
        assert pack(packing, layout, expected_fields(layout, word)) == word


@pytest.mark.parametrize("layout, name", FIELDS)
def test_single_bits_at_the_edges_of_a_field(packing, layout, name):
    """A field's lowest and highest bits, and the bits just below and above it, are read by the right getter."""
    offset, bits = field(layout, name)
    for word in {1 << offset, (1 << offset) >> 1, 1 << (offset + bits - 1), (1 << (offset + bits)) & WORD}:
        assert_reads(packing, layout, word)


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(list(LAYOUTS)), data=st.data())
def test_pack_then_read_round_trips(packing, layout, data):
    values = {n: data.draw(st.integers(0, (1 << bits) - 1), label=n) for n, _, bits in LAYOUTS[layout]}
    word = pack(packing, layout, values)
    assert {n: get(packing, layout, n, word) for n in values} == values


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(list(LAYOUTS)), word=st.integers(0, WORD))
def test_read_then_pack_round_trips(packing, layout, word):
    assert_reads(packing, layout, word)
    assert pack(packing, layout, {n: get(packing, layout, n, word) for n, _, _ in LAYOUTS[layout]}) == word


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(list(LAYOUTS)), data=st.data())
def test_packers_shift_and_or_without_masking(packing, layout, data):
    """The distributor bounds every amount before it packs one; the packers themselves OR the
    shifted arguments as given, dropping only bits shifted past the word, as the inline code did."""
    values = {n: data.draw(st.integers(0, WORD), label=n) for n, _, _ in LAYOUTS[layout]}
    word = 0
    for n, offset, _ in LAYOUTS[layout]:
        word |= (values[n] << offset) & WORD
    assert pack(packing, layout, values) == word
