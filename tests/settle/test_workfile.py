"""Work files: every malformed input is refused with its line and the reason."""

from __future__ import annotations

import pytest

from indexer.errors import FlywheelError
from indexer.settle.workfile import dump, parse

A = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
B = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"


def test_accepts_checksummed_and_lower_case_addresses() -> None:
    work = parse(f"account,work_units\n{A},30\n{B.lower()},70\n")
    assert work == {A: 30, B: 70}
    assert parse(dump(work)) == work


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "is empty"),
        ("address,units\n", "line 1: the header must be 'account,work_units'"),
        ("account,work_units\n", "has no contributors"),
        (f"account,work_units\n{A},0\n", "line 2: work_units '0' is not a positive integer"),
        (f"account,work_units\n{A},-5\n", "line 2: work_units '-5' is not a positive integer"),
        (f"account,work_units\n{A},1.5\n", "line 2: work_units '1.5' is not a positive integer"),
        (f"account,work_units\n{A},10\n0x1234,5\n", "line 3: '0x1234' is not an address"),
        (f"account,work_units\n{A[:-1]}7,5\n", "wrong checksum"),
        (f"account,work_units\n{A},5\n{A.lower()},6\n", "line 3: " + A + " appears more than once"),
        (f"account,work_units\n{A},5,extra\n", "line 2: expected 2 fields, found 3"),
    ],
)
def test_rejects_malformed_work(text: str, fragment: str) -> None:
    with pytest.raises(FlywheelError) as err:
        parse(text, "w.csv")
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
