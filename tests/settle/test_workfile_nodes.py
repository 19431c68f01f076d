"""Node-level work files: a row per node, with or without its owner; allocation per account on the sum."""

from __future__ import annotations

import pytest

from indexer.errors import FlywheelError
from indexer.settle.allocate import allocate
from indexer.settle.workfile import UINT256_MAX, Work, dump, of_nodes, parse
from tests.settle.test_workfile import A, B, CONTRACTS, DISTRIBUTOR, ZERO, refused

N1, N2, N3 = ("0x" + c * 32 for c in ("1a", "2b", "3c"))
TWO = f"account,work_units\n{A},30\n{B},70\n"
THREE = f"account,work_units,node_id\n{A},10,{N1}\n{B},70,{N2}\n{A.lower()},20,{N3}\n"
OWNERLESS = f"node_id,work_units\n{N1},10\n{N2},70\n{N3},20\n"
OWNERS = {N1: A, N2: B.lower(), N3: A}


def test_the_three_forms_give_the_same_allocation_for_the_same_work() -> None:
    two, three, ownerless = parse(TWO), parse(THREE), parse(OWNERLESS)
    assert two == Work({A: 30, B: 70}, {})
    assert three.accounts == {A: 30, B: 70}
    assert three.nodes == {N1: (A, 10), N2: (B, 70), N3: (A, 20)}
    assert ownerless.accounts == {} and ownerless.nodes == {N1: (None, 10), N2: (None, 70), N3: (None, 20)}
    owned = ownerless.with_owners(OWNERS)
    assert owned == three
    for total in (10**24 + 7, 3, 0):
        assert allocate(total, three.accounts) == allocate(total, two.accounts) == allocate(total, owned.accounts)


def test_with_owners_keeps_owners_the_file_names_and_needs_every_other() -> None:
    three = parse(THREE)
    assert three.with_owners({}) is three
    assert parse(TWO).with_owners({N1: B}) == parse(TWO)
    with pytest.raises(FlywheelError, match=f"work file line 3: the owner of node {N2} is not known"):
        parse(OWNERLESS).with_owners({N1: A, N3: A})


def test_dump_writes_the_normalized_form_and_reads_back() -> None:
    assert dump(parse(TWO)) == TWO
    assert dump(parse(THREE)) == THREE.replace(A.lower(), A)
    assert parse(dump(parse(OWNERLESS).with_owners(OWNERS))) == parse(THREE)
    built = of_nodes([(N1, A.lower(), 10), (N2, B, 70), (N3, A, 20)])
    assert built == parse(THREE) and dump(built) == dump(parse(THREE))


def test_dump_refuses_work_whose_owners_are_unknown() -> None:
    with pytest.raises(FlywheelError, match=f"the owner of node {N1} is not known"):
        dump(parse(OWNERLESS))


def test_lines_are_the_files_even_across_blank_lines() -> None:
    work = parse(f"node_id,work_units\n\n{N1},1\n\n\n{N2},2\n")
    assert work.lines == {N1: 3, N2: 6}
    assert work.where("w.csv", N2) == "w.csv line 6"
    assert of_nodes([(N1, A, 1)]).where("w.csv", N1) == f"w.csv, node {N1}"


def test_headers_may_carry_spaces_and_a_byte_order_mark() -> None:
    assert parse(f"\ufeff account , work_units , node_id \r\n{A},5,{N1}\r\n").nodes == {N1: (A, 5)}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("node_id,account,work_units\n", "line 1: the header must be 'account,work_units', 'account,work_units,node_id' "
                                         "or 'node_id,work_units', not 'node_id,account,work_units'"),
        ("node_id,work_units\n", "has no contributors"),
        (f"account,work_units,node_id\n{A},1,{N1}\n{B},2,{N1}\n", f"line 3: node {N1} appears more than once (first on line 2)"),
        (f"node_id,work_units\n{N1},1\n\n{N1},2\n", f"line 4: node {N1} appears more than once (first on line 2)"),
        (f"account,work_units,node_id\n{A},1\n", "line 2: expected 3 fields, found 2"),
        (f"node_id,work_units\n{N1},1,{A}\n", "line 2: expected 2 fields, found 3"),
        (f"account,work_units,node_id\n{A},0,{N1}\n", "line 2: work_units '0' is not a positive integer"),
        (f"node_id,work_units\n{N1},-1\n", "line 2: work_units '-1' is not a positive integer"),
        (f"account,work_units,node_id\n{A},1,{N1}\n{ZERO},1,{N2}\n", "line 3: the zero address cannot be rewarded"),
        (f"account,work_units,node_id\n{A[:-1]}7,1,{N1}\n", "line 2: '" + A[:-1] + "7' has a wrong checksum"),
        (f"account,work_units,node_id\n{A},{UINT256_MAX},{N1}\n{A},1,{N2}\n", "line 3: the total of work_units passes 2**256-1"),
        (f"node_id,work_units\n{N1},{UINT256_MAX}\n{N2},1\n", "line 3: the total of work_units passes 2**256-1"),
    ],
)
def test_refuses_malformed_node_rows(text: str, fragment: str) -> None:
    refused(text, fragment)


def test_refuses_the_deployments_own_contracts_as_node_owners() -> None:
    refused(f"account,work_units,node_id\n{A},1,{N1}\n{DISTRIBUTOR.lower()},1,{N2}\n",
            f"line 3: {DISTRIBUTOR} is the deployment's reward_distributor contract", CONTRACTS)


@pytest.mark.parametrize(
    "spelling",
    [
        N1.upper().replace("0X", "0x"),  # upper-case hex
        "0X" + N1[2:],  # upper-case prefix
        N1[2:],  # no prefix
        N1[:-1],  # 63 digits
        N1 + "1",  # 65 digits
        "0x" + "g" * 64,  # not hex
        "0x" + "1A" * 16 + "1a" * 16,  # mixed case: ids have no checksum
        "",
    ],
)
def test_refuses_other_spellings_of_a_node_id(spelling: str) -> None:
    refused(f"account,work_units,node_id\n{A},1,{N2}\n{A},1,{spelling}\n", f"line 3: node_id {spelling!r} is not 0x and 64 lower-case hex digits")
    refused(f"node_id,work_units\n{spelling},1\n", f"line 2: node_id {spelling!r} is not 0x and 64 lower-case hex digits")


def test_a_node_id_is_trimmed_like_an_address() -> None:
    assert parse(f"node_id,work_units\n {N1} ,1\n").nodes == {N1: (None, 1)}
