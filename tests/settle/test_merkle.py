"""Entitlement trees without Node or a chain: leaves hashed as abi.encode says, the OpenZeppelin layout written
out by hand for small trees (one leaf, an odd count, a power of two), and proofs that verify only their leaf."""

from __future__ import annotations

import itertools

import pytest
from eth_abi import encode
from eth_utils import keccak

from indexer.settle.merkle import Entitlement, EntitlementTree, leaf_hash, verify

CHAIN_ID = 31337
DISTRIBUTOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ACCOUNTS = ["0x90F79bf6EB2c4f870365E785982E1f101E93b906", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
            "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
            "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"]
ENTITLEMENTS = [Entitlement(a, (i + 1) * 10**18, (5 - i) * 10**6) for i, a in enumerate(ACCOUNTS)]


def leaf(e: Entitlement) -> bytes:
    """OpenZeppelin's StandardMerkleTree leaf: keccak256(bytes.concat(keccak256(abi.encode(values))))."""
    return keccak(keccak(encode(["uint256", "address", "address", "uint256", "uint256"],
                                [CHAIN_ID, DISTRIBUTOR, e.account, e.cumulative_subsidy, e.cumulative_revenue])))


def pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


def tree(n: int) -> EntitlementTree:
    return EntitlementTree(CHAIN_ID, DISTRIBUTOR, ENTITLEMENTS[:n])


def test_a_leaf_is_the_double_hash_of_the_abi_encoded_values() -> None:
    for e in ENTITLEMENTS:
        assert leaf_hash(CHAIN_ID, DISTRIBUTOR, e) == leaf(e)
    # Every field is in the hash: the same entitlement on another chain or distributor is another leaf.
    e = ENTITLEMENTS[0]
    assert leaf_hash(CHAIN_ID + 1, DISTRIBUTOR, e) != leaf(e)
    assert leaf_hash(CHAIN_ID, ACCOUNTS[4], e) != leaf(e)


def test_one_leaf_is_its_own_root_with_an_empty_proof() -> None:
    t = tree(1)
    assert t.root == leaf(ENTITLEMENTS[0]) and t.tree == [leaf(ENTITLEMENTS[0])]
    assert t.proof(0) == [] and verify(t.root, leaf(ENTITLEMENTS[0]), [])


def test_two_leaves_hash_as_a_sorted_pair() -> None:
    a, b = (leaf(e) for e in ENTITLEMENTS[:2])
    t = tree(2)
    assert t.root == keccak(min(a, b) + max(a, b))
    assert t.proof(0) == [b] and t.proof(1) == [a]


def test_an_odd_count_puts_the_largest_leaf_next_to_the_root() -> None:
    """Three leaves, sorted h0 < h1 < h2, sit at 4, 3, 2 of [root, n1, h2, h1, h0]."""
    h0, h1, h2 = sorted(leaf(e) for e in ENTITLEMENTS[:3])
    n1 = pair(h1, h0)
    t = tree(3)
    assert t.tree == [pair(n1, h2), n1, h2, h1, h0]
    proofs = {leaf(e): t.proof(i) for i, e in enumerate(ENTITLEMENTS[:3])}
    assert proofs == {h0: [h1, h2], h1: [h0, h2], h2: [n1]}


def test_five_leaves_lay_out_as_openzeppelin_does() -> None:
    h0, h1, h2, h3, h4 = sorted(leaf(e) for e in ENTITLEMENTS)
    n3, n2 = pair(h1, h0), pair(h3, h2)
    n1 = pair(n3, h4)
    t = tree(5)
    assert t.tree == [pair(n1, n2), n1, n2, n3, h4, h3, h2, h1, h0]
    assert t.proof(t.index_of(next(e.account for e in ENTITLEMENTS if leaf(e) == h4))) == [n3, n2]
    assert t.proof(t.index_of(next(e.account for e in ENTITLEMENTS if leaf(e) == h0))) == [h1, h4, n2]


def test_the_root_does_not_depend_on_the_order_of_the_entitlements() -> None:
    roots = {EntitlementTree(CHAIN_ID, DISTRIBUTOR, list(order)).root for order in itertools.permutations(ENTITLEMENTS[:4])}
    assert roots == {tree(4).root}
    # Values keep the caller's order; each points at its own leaf.
    shuffled = EntitlementTree(CHAIN_ID, DISTRIBUTOR, ENTITLEMENTS[::-1])
    dump = shuffled.dump()
    assert [v["value"][2] for v in dump["values"]] == ACCOUNTS[::-1]
    for v, e in zip(dump["values"], ENTITLEMENTS[::-1]):
        assert dump["tree"][v["treeIndex"]] == "0x" + leaf(e).hex()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_every_proof_verifies_its_own_leaf_and_no_other(n: int) -> None:
    t = tree(n)
    for i, e in enumerate(ENTITLEMENTS[:n]):
        proof = t.proof_for(e.account.lower())
        assert verify(t.root, leaf(e), proof)
        bumped = Entitlement(e.account, e.cumulative_subsidy + 1, e.cumulative_revenue)
        assert not verify(t.root, leaf(bumped), proof)
        for j, other in enumerate(ENTITLEMENTS[:n]):
            if j != i:
                assert not verify(t.root, leaf(other), proof)


def test_an_empty_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one entitlement"):
        EntitlementTree(CHAIN_ID, DISTRIBUTOR, [])
