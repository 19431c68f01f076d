"""Work files: every malformed input is refused with its line and the reason."""

from __future__ import annotations

import pytest

from indexer.errors import FlywheelError
from indexer.settle.workfile import UINT256_MAX, Work, dump, load, parse

A = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
B = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
ZERO = "0x" + "00" * 20
DISTRIBUTOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CONTRACTS = {DISTRIBUTOR: "reward_distributor"}


def test_accepts_checksummed_and_lower_case_addresses() -> None:
    work = parse(f"account,work_units\n{A},30\n{B.lower()},70\n")
    assert work == Work({A: 30, B: 70}, {})
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
    refused(text, fragment)


def refused(text: str, fragment: str, forbidden: dict[str, str] | None = None) -> None:
    with pytest.raises(FlywheelError) as err:
        parse(text, "w.csv", forbidden)
    assert fragment in str(err.value)
    assert str(err.value).startswith("w.csv")
    assert "\n" not in str(err.value)


def test_accepts_a_byte_order_mark(tmp_path) -> None:
    """Excel's "CSV UTF-8" export starts with U+FEFF; the header must still be recognised."""
    text = f"\ufeffaccount,work_units\r\n{A},30\r\n"
    assert parse(text).accounts == {A: 30}
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("utf-8"))
    assert load(path).accounts == {A: 30}


def test_a_byte_order_mark_is_only_skipped_at_the_start() -> None:
    # The message shows the invisible character escaped, so the reader can see what is wrong.
    refused(f"account,work_units\n\ufeff{A},1\n", "line 2: '\\ufeff" + A + "' is not an address")


@pytest.mark.parametrize("zero", [ZERO, ZERO.upper().replace("0X", "0x")])
def test_refuses_the_zero_address(zero: str) -> None:
    refused(f"account,work_units\n{A},5\n{zero},6\n", "line 3: the zero address cannot be rewarded")


@pytest.mark.parametrize("spelling", [DISTRIBUTOR, DISTRIBUTOR.lower()])
def test_refuses_the_deployments_own_contracts(spelling: str) -> None:
    text = f"account,work_units\n{A},5\n\n{spelling},6\n"
    refused(text, f"line 4: {DISTRIBUTOR} is the deployment's reward_distributor contract", CONTRACTS)
    # Keys of the forbidden map are matched in any spelling too.
    refused(text, "reward_distributor contract", {DISTRIBUTOR.lower(): "reward_distributor"})
    assert parse(text).accounts == {A: 5, DISTRIBUTOR: 6}


def test_refuses_forbidden_addresses_through_load(tmp_path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(f"account,work_units\n{DISTRIBUTOR},1\n")
    with pytest.raises(FlywheelError, match=r"w\.csv line 2: .* reward_distributor contract"):
        load(path, forbidden=CONTRACTS)


def test_units_up_to_uint256_max_are_accepted() -> None:
    assert parse(f"account,work_units\n{A},{UINT256_MAX}\n").accounts == {A: UINT256_MAX}
    assert parse(f"account,work_units\n{A},{UINT256_MAX - 1}\n{B},1\n").accounts == {A: UINT256_MAX - 1, B: 1}


@pytest.mark.parametrize("units", [str(UINT256_MAX + 1), "9" * 5000])
def test_refuses_units_past_uint256(units: str) -> None:
    refused(f"account,work_units\n{B},1\n{A},{units}\n", "line 3: work_units")
    refused(f"account,work_units\n{A},{units}\n", "is more than a uint256 holds (2**256-1)")


def test_leading_zeros_do_not_count_as_size() -> None:
    assert parse(f"account,work_units\n{A},{'0' * 100}7\n").accounts == {A: 7}


def test_refuses_a_total_past_uint256() -> None:
    text = f"account,work_units\n{A},{UINT256_MAX}\n{B},1\n"
    refused(text, "line 3: the total of work_units passes 2**256-1")


def test_refuses_digits_of_other_scripts() -> None:
    refused(f"account,work_units\n{A},\u00b2\n", "line 2: work_units '\u00b2' is not a positive integer")
    refused(f"account,work_units\n{A},\u0663\n", "line 2: work_units '\u0663' is not a positive integer")


def test_load_names_a_missing_or_binary_file(tmp_path) -> None:
    with pytest.raises(FlywheelError, match="work file not found"):
        load(tmp_path / "none.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(FlywheelError, match="is not UTF-8 text"):
        load(binary)
