"""The `packing` module: every getter and packer of the distributor's packed words, through its mock.

The layouts are written out here from the module's description, field by field, low bits first;
each test derives what a getter must return and what a packer must produce from them alone.
The schedule, state and pending words are one 104-104-40-8 layout read through different names,
so each named getter is checked as a reading of that layout's field, not against the generic getter.
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
    "word": [("flags", 0, 8), ("time", 8, 40), ("low", 48, 104), ("high", 152, 104)],
    "pair": [("revenue", 0, 128), ("subsidy", 128, 128)],
}
PACKER = {"word": "pack", "pair": "pack_pair"}
WORD_FIELDS = ["high", "low", "time", "flags"]
# The distributor's names for those fields, high bits first; the state's flags are read by flag.
VIEWS = {"schedule": ["total", "rate", "epoch", "pending"], "state": ["subsidy", "revenue", "posted_at"]}
# getter -> (layout, field): the generic getters, the named ones, and the pair's.
GETTERS: dict[str, tuple[str, str]] = {
    **{name: ("word", name) for name in WORD_FIELDS},
    **{f"{view}_{n}": ("word", f) for view, names in VIEWS.items() for n, f in zip(names, WORD_FIELDS)},
    **{f"pair_{name}": ("pair", name) for name in ("subsidy", "revenue")},
}
FIELDS = [(layout, name) for layout, fields in LAYOUTS.items() for name, _, _ in fields]
# The bound the distributor checks a value against before packing it into each field.
BOUND_OF = {
    ("word", "flags"): "MAX_FLAGS",
    ("word", "time"): "MAX_TIME",
    ("word", "low"): "MAX_AMOUNT",
    ("word", "high"): "MAX_AMOUNT",
    ("pair", "revenue"): "MAX_PAIR_AMOUNT",
    ("pair", "subsidy"): "MAX_PAIR_AMOUNT",
}
FLAGS = ["LATEST_ROOT_FLAG", "CLAIMS_PAUSED_FLAG", "FINALIZATION_PAUSED_FLAG"]


@pytest.fixture(scope="module")
def packing():
    return boa.load_partial(str(MOCK)).deploy()


def field(layout: str, name: str) -> tuple[int, int]:
    return next((offset, bits) for n, offset, bits in LAYOUTS[layout] if n == name)


def full(layout: str, name: str) -> int:
    return (1 << field(layout, name)[1]) - 1


def top(layout: str, name: str) -> int:
    offset, bits = field(layout, name)
    return ((1 << bits) - 1) << offset


def pack(packing, layout: str, values: dict[str, int]) -> int:
    """Calls the packer with `values` by field name, in its high-bits-first argument order."""
    return getattr(packing, PACKER[layout])(*[values[n] for n, _, _ in reversed(LAYOUTS[layout])])


def expected_fields(layout: str, word: int) -> dict[str, int]:
    return {n: (word >> offset) & ((1 << bits) - 1) for n, offset, bits in LAYOUTS[layout]}


def assert_reads(packing, layout: str, word: int) -> None:
    """Every getter of the layout, generic or named, returns its field of `word`."""
    want = expected_fields(layout, word)
    got = {g: getattr(packing, g)(word) for g, (lay, _) in GETTERS.items() if lay == layout}
    assert got == {g: want[n] for g, (lay, n) in GETTERS.items() if lay == layout}


def test_every_field_has_a_getter_and_a_bound():
    assert set(GETTERS.values()) == set(FIELDS) == set(BOUND_OF)


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
    assert getattr(packing, BOUND_OF[layout, name])() == full(layout, name)


@pytest.mark.parametrize("layout, name", FIELDS)
def test_a_field_at_its_maximum_among_empty_neighbours(packing, layout, name):
    word = top(layout, name)
    values = expected_fields(layout, word)
    assert values[name] == full(layout, name) and sum(values.values()) == values[name]
    assert_reads(packing, layout, word)
    assert pack(packing, layout, values) == word


@pytest.mark.parametrize("layout, name", FIELDS)
def test_an_empty_field_among_full_neighbours(packing, layout, name):
    word = WORD ^ top(layout, name)
    values = expected_fields(layout, word)
    assert values[name] == 0 and all(v == full(layout, n) for n, v in values.items() if n != name)
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


def bounded(bits: int) -> st.SearchStrategy[int]:
    """A field's value, its bounds and their neighbours drawn often."""
    m = (1 << bits) - 1
    return st.one_of(st.sampled_from([0, 1, m - 1, m]), st.integers(0, m))


@settings(max_examples=60, deadline=None)
@given(getter=st.sampled_from(list(GETTERS)), word=st.integers(0, WORD))
def test_every_getter_returns_exactly_its_field(packing, getter, word):
    layout, name = GETTERS[getter]
    assert getattr(packing, getter)(word) == expected_fields(layout, word)[name]


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(list(LAYOUTS)), data=st.data())
def test_pack_then_read_round_trips(packing, layout, data):
    values = {n: data.draw(bounded(bits), label=n) for n, _, bits in LAYOUTS[layout]}
    word = pack(packing, layout, values)
    assert word == sum(values[n] << offset for n, offset, _ in LAYOUTS[layout])
    assert_reads(packing, layout, word)


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(list(LAYOUTS)), word=st.integers(0, WORD))
def test_read_then_pack_round_trips(packing, layout, word):
    assert_reads(packing, layout, word)
    assert pack(packing, layout, expected_fields(layout, word)) == word


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(list(LAYOUTS)), data=st.data())
def test_packers_shift_and_or_without_masking(packing, layout, data):
    """The distributor bounds every value before it packs one; the packers themselves OR the
    shifted arguments as given, dropping only bits shifted past the word."""
    values = {n: data.draw(st.integers(0, WORD), label=n) for n, _, _ in LAYOUTS[layout]}
    word = 0
    for n, offset, _ in LAYOUTS[layout]:
        word |= (values[n] << offset) & WORD
    assert pack(packing, layout, values) == word


# --- the state word's flags ----------------------------------------------------------


def test_flags_are_distinct_bits_of_the_flags_field(packing):
    bits = [getattr(packing, f)() for f in FLAGS]
    assert all(b & (b - 1) == 0 and 0 < b <= packing.MAX_FLAGS() for b in bits)
    assert len(set(bits)) == len(bits)
    # The distributor ORs the slot index (0 or 1) into the flags as the latest-root flag.
    assert packing.LATEST_ROOT_FLAG() == 1
    assert packing.PAUSE_FLAGS() == packing.CLAIMS_PAUSED_FLAG() | packing.FINALIZATION_PAUSED_FLAG()


@settings(max_examples=60, deadline=None)
@given(word=st.integers(0, WORD), flag=st.sampled_from(FLAGS))
def test_state_flag_reads_its_bit(packing, word, flag):
    bit = getattr(packing, flag)()
    assert packing.state_flag(word, bit) == bool(word & bit)
    assert packing.state_latest_slot(word) == word & 1


@pytest.mark.parametrize("flag", FLAGS)
def test_a_flag_is_not_read_from_other_fields(packing, flag):
    bit = getattr(packing, flag)()
    assert not packing.state_flag(WORD ^ top("word", "flags"), bit)
    assert packing.state_flag(bit, bit) and not packing.state_flag(WORD ^ bit, bit)
    assert packing.state_latest_slot(WORD ^ top("word", "flags")) == 0
