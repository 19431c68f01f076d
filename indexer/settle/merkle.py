"""Entitlement trees in OpenZeppelin's StandardMerkleTree format.

Leaves are `(uint256 chain_id, address distributor, address account,
uint256 cumulative_subsidy, uint256 cumulative_revenue)`, hashed as
`keccak256(keccak256(abi.encode(...)))`; inner nodes hash the sorted pair.
Leaves are sorted by hash and laid out as OpenZeppelin's `makeMerkleTree`
does, so `dump()` is byte-for-byte what `StandardMerkleTree.dump()` writes
and `@openzeppelin/merkle-tree` loads it and proves from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak, to_checksum_address

LEAF_ENCODING = ["uint256", "address", "address", "uint256", "uint256"]


@dataclass(frozen=True)
class Entitlement:
    account: str  # checksummed
    cumulative_subsidy: int
    cumulative_revenue: int


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def leaf_hash(chain_id: int, distributor: str, e: Entitlement) -> bytes:
    # abi.encode of five static types is five 32-byte words.
    encoded = (
        _word(chain_id) + _address_word(distributor) + _address_word(e.account)
        + _word(e.cumulative_subsidy) + _word(e.cumulative_revenue)
    )
    return keccak(keccak(encoded))


def node_hash(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a <= b else keccak(b + a)


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


class EntitlementTree:
    """A tree over every account's cumulative entitlements on one deployment."""

    def __init__(self, chain_id: int, distributor: str, entitlements: list[Entitlement]) -> None:
        if not entitlements:
            raise ValueError("a tree needs at least one entitlement")
        self.chain_id = chain_id
        self.distributor = to_checksum_address(distributor)
        self.entitlements = entitlements
        hashes = [leaf_hash(chain_id, self.distributor, e) for e in entitlements]
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        size = 2 * len(hashes) - 1
        tree: list[bytes] = [b""] * size
        self.tree_index = [0] * len(hashes)
        for leaf_pos, value_index in enumerate(order):
            tree[size - 1 - leaf_pos] = hashes[value_index]
            self.tree_index[value_index] = size - 1 - leaf_pos
        for i in range(size - 1 - len(hashes), -1, -1):
            tree[i] = node_hash(tree[2 * i + 1], tree[2 * i + 2])
        self.tree = tree
        self._by_account = {e.account.lower(): i for i, e in enumerate(entitlements)}

    @property
    def root(self) -> bytes:
        return self.tree[0]

    def index_of(self, account: str) -> int:
        return self._by_account[account.lower()]

    def proof(self, value_index: int) -> list[bytes]:
        i = self.tree_index[value_index]
        out = []
        while i > 0:
            out.append(self.tree[i + 1 if i % 2 == 1 else i - 1])
            i = (i - 1) // 2
        return out

    def proof_for(self, account: str) -> list[bytes]:
        return self.proof(self.index_of(account))

    def value(self, e: Entitlement) -> list[str]:
        return [str(self.chain_id), self.distributor, e.account, str(e.cumulative_subsidy), str(e.cumulative_revenue)]

    def dump(self) -> dict:
        """The `standard-v1` dump, as `StandardMerkleTree.dump()` writes it."""
        return {
            "format": "standard-v1",
            "leafEncoding": LEAF_ENCODING,
            "tree": [_hex(node) for node in self.tree],
            "values": [{"value": self.value(e), "treeIndex": self.tree_index[i]} for i, e in enumerate(self.entitlements)],
        }


def verify(root: bytes, leaf: bytes, proof: list[bytes]) -> bool:
    node = leaf
    for sibling in proof:
        node = node_hash(node, sibling)
    return node == root


def load(dump: dict) -> EntitlementTree:
    """Rebuild a tree from a `standard-v1` dump, checking that it hashes to the same nodes."""
    if dump.get("format") != "standard-v1" or dump.get("leafEncoding") != LEAF_ENCODING:
        raise ValueError("not a standard-v1 entitlement tree dump")
    values = [v["value"] for v in dump["values"]]
    if not values:
        raise ValueError("the dump has no values")
    chain_id, distributor = int(values[0][0]), values[0][1]
    entitlements = [Entitlement(to_checksum_address(v[2]), int(v[3]), int(v[4])) for v in values]
    tree = EntitlementTree(chain_id, distributor, entitlements)
    # Every part of the dump must be what these values produce: one deployment, the same
    # nodes, each value at its own leaf. Addresses may differ in letter case only.
    if _normalized(tree.dump()) != _normalized(dump):
        raise ValueError("the dump's nodes, leaf positions or deployment do not match its values")
    return tree


def _normalized(dump: dict) -> tuple:
    values = tuple(
        (tuple(str(x).lower() for x in v["value"]), v["treeIndex"]) for v in dump["values"]
    )
    return dump["format"], tuple(dump["leafEncoding"]), tuple(n.lower() for n in dump["tree"]), values
