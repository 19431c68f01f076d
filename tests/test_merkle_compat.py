"""Our entitlement trees against @openzeppelin/merkle-tree, the library claim UIs load them with.

The reference runs for real: `tests/js/oz_tree.cjs` under Node, with the
package from the repository's node_modules. Without Node these tests fail;
they never skip. The last test takes proofs from both libraries to a
RewardDistributor on anvil, because acceptance on chain is what matters.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractLogicError

from indexer.bench.gas import Driver
from indexer.settle import merkle
from indexer.settle.merkle import Entitlement, EntitlementTree

NODE_SCRIPT = Path(__file__).parent / "js" / "oz_tree.cjs"
TOKEN = 10**18
USD = 10**6
UINT256_MAX = 2**256 - 1


def run_oz(request: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the OpenZeppelin compatibility tests need Node.js 20+ (scripts/setup.sh)")
    proc = subprocess.run([node, str(NODE_SCRIPT)], input=json.dumps(request), capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"{NODE_SCRIPT.name} failed (is @openzeppelin/merkle-tree installed?):\n{proc.stderr}")
    return json.loads(proc.stdout)


def hexs(b: bytes) -> str:
    return "0x" + b.hex()


def addresses(n: int, tag: str) -> list[str]:
    return [to_checksum_address(keccak(f"{tag}/{i}".encode())[12:]) for i in range(n)]


DISTRIBUTOR = addresses(1, "distributor")[0]
Amounts = Callable[[int], tuple[int, int]]


def make_tree(n: int, amounts: Amounts, chain_id: int = 31337, tag: str = "account") -> EntitlementTree:
    es = [Entitlement(a, *amounts(i)) for i, a in enumerate(addresses(n, tag))]
    return EntitlementTree(chain_id, DISTRIBUTOR, es)


def with_duplicate(n: int) -> EntitlementTree:
    """The same entitlement twice: equal leaf hashes put the two libraries' sort ties to the test."""
    tree = make_tree(n, lambda i: (TOKEN, USD))
    return EntitlementTree(tree.chain_id, DISTRIBUTOR, [*tree.entitlements, tree.entitlements[1]])


CASES: dict[str, Callable[[], EntitlementTree]] = {
    "1 leaf": lambda: make_tree(1, lambda i: (TOKEN, USD)),
    "2 leaves": lambda: make_tree(2, lambda i: (i * TOKEN, 5 * USD)),
    "3 leaves": lambda: make_tree(3, lambda i: ((i + 1) * TOKEN, (3 - i) * USD)),
    "5 leaves, all amounts equal": lambda: make_tree(5, lambda i: (7 * TOKEN, 3 * USD)),
    "7 leaves, zeros and repeats": lambda: make_tree(7, lambda i: ((i % 2) * TOKEN, 0 if i % 3 else 5)),
    "64 leaves, a power of two": lambda: make_tree(64, lambda i: (i * 10**15, (i % 4) * USD)),
    "255 leaves near 2**256": lambda: make_tree(255, lambda i: (UINT256_MAX - i % 3, 2**255 + i % 2)),
    "300 leaves, repeating amounts": lambda: make_tree(300, lambda i: ((1 + i % 4) * TOKEN, (i % 2) * USD)),
    "301 leaves, uint256 chain id": lambda: make_tree(301, lambda i: (i, UINT256_MAX - i), chain_id=UINT256_MAX),
    "4 leaves, one twice": lambda: with_duplicate(4),
}


@cache
def trees() -> dict[str, EntitlementTree]:
    return {name: build() for name, build in CASES.items()}


def values(tree: EntitlementTree) -> list[list[str]]:
    return [tree.value(e) for e in tree.entitlements]


@pytest.fixture(scope="module")
def oz() -> dict[str, dict]:
    """One Node run for every case: OZ's own tree, OZ loading our dump, OZ verifying our proofs."""
    ts = trees()
    verify = []
    for t in ts.values():
        root = hexs(t.root)
        for i, v in enumerate(values(t)):
            verify.append({"root": root, "encoding": merkle.LEAF_ENCODING, "value": v, "proof": [hexs(p) for p in t.proof(i)]})
        # A negative control, so a verifier that says yes to anything is caught.
        wrong = values(t)[0][:3] + [str(int(values(t)[0][3]) ^ 1), values(t)[0][4]]
        verify.append({"root": root, "encoding": merkle.LEAF_ENCODING, "value": wrong, "proof": [hexs(p) for p in t.proof(0)]})
    reply = run_oz({
        "build": [{"values": values(t), "encoding": merkle.LEAF_ENCODING} for t in ts.values()],
        "load": [t.dump() for t in ts.values()],
        "verify": verify,
    })
    out: dict[str, dict] = {}
    at = 0
    for (name, t), built, loaded in zip(ts.items(), reply["built"], reply["loaded"]):
        n = len(t.entitlements)
        out[name] = {"built": built, "loaded": loaded, "verified": reply["verified"][at:at + n + 1]}
        at += n + 1
    return out


@pytest.mark.parametrize("case", CASES)
def test_root_equals_openzeppelin_root(case: str, oz: dict) -> None:
    assert hexs(trees()[case].root) == oz[case]["built"]["root"]


@pytest.mark.parametrize("case", CASES)
def test_dump_equals_openzeppelin_dump(case: str, oz: dict) -> None:
    ours = json.loads(json.dumps(trees()[case].dump()))
    assert ours == oz[case]["built"]["dump"]


@pytest.mark.parametrize("case", CASES)
def test_openzeppelin_loads_our_dump(case: str, oz: dict) -> None:
    tree, loaded = trees()[case], oz[case]["loaded"]
    assert "error" not in loaded, loaded.get("error")
    assert loaded["root"] == hexs(tree.root)
    assert loaded["proofs"] == [[hexs(p) for p in tree.proof(i)] for i in range(len(tree.entitlements))]


@pytest.mark.parametrize("case", CASES)
def test_proofs_verify_across_libraries(case: str, oz: dict) -> None:
    tree = trees()[case]
    *ours_by_oz, control = oz[case]["verified"]
    assert all(ours_by_oz) and len(ours_by_oz) == len(tree.entitlements)
    assert control is False
    for i, e in enumerate(tree.entitlements):
        oz_proof = [bytes.fromhex(p[2:]) for p in oz[case]["built"]["proofs"][i]]
        leaf = merkle.leaf_hash(tree.chain_id, tree.distributor, e)
        assert merkle.verify(tree.root, leaf, oz_proof)
    if tree.entitlements:
        e = tree.entitlements[0]
        bumped = Entitlement(e.account, e.cumulative_subsidy ^ 1, e.cumulative_revenue)
        assert not merkle.verify(tree.root, merkle.leaf_hash(tree.chain_id, tree.distributor, bumped), tree.proof(0))


def test_our_load_round_trips_every_case() -> None:
    for name, tree in trees().items():
        again = merkle.load(json.loads(json.dumps(tree.dump())))
        assert again.root == tree.root and again.dump() == tree.dump(), name


# --- tampered dumps ---------------------------------------------------------


def _set_value(position: int, field: int, text: str) -> Callable[[dict], None]:
    def tamper(d: dict) -> None:
        d["values"][position]["value"][field] = text
    return tamper


def _bump_amount(d: dict) -> None:
    v = d["values"][2]["value"]
    v[3] = str(int(v[3]) + 1)


def _flip_node(index: int) -> Callable[[dict], None]:
    def tamper(d: dict) -> None:
        node = d["tree"][index]
        d["tree"][index] = node[:-1] + ("0" if node[-1] != "0" else "1")
    return tamper


def _swap_tree_indices(d: dict) -> None:
    a, b = d["values"][0], d["values"][1]
    a["treeIndex"], b["treeIndex"] = b["treeIndex"], a["treeIndex"]


def _drop_value(d: dict) -> None:
    d["values"].pop()


# (tamper, does OpenZeppelin's load reject it too)
TAMPERS = {
    "amount": (_bump_amount, True),
    "account": (_set_value(3, 2, DISTRIBUTOR), True),
    "inner node": (_flip_node(1), True),
    "root": (_flip_node(0), True),
    "value dropped": (_drop_value, False),  # OZ only checks the values it is given
    "format": (lambda d: d.update(format="standard-v2"), True),
    "leaf encoding": (lambda d: d.update(leafEncoding=["uint256", "address", "address", "uint256"]), True),
    "treeIndex swapped": (_swap_tree_indices, True),
    "distributor of one value": (_set_value(4, 1, addresses(1, "other")[0]), True),
    "chain id of one value": (_set_value(4, 0, "1"), True),
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_load_rejects_a_tampered_dump(tamper: tuple[Callable[[dict], None], bool]) -> None:
    change, oz_rejects = tamper
    dump = copy.deepcopy(trees()["7 leaves, zeros and repeats"].dump())
    change(dump)
    if oz_rejects:
        # The tampering itself is real: the reference refuses the same dump.
        assert "error" in run_oz({"load": [dump]})["loaded"][0]
    with pytest.raises(ValueError):
        merkle.load(dump)


# --- on chain ---------------------------------------------------------------


def test_proofs_from_both_libraries_claim_on_chain(deployed) -> None:
    driver = Driver(deployed.w3, deployed.manifest)
    distributor = driver.contracts.reward_distributor
    chain_id = deployed.manifest.chain_id
    driver.post_price()
    driver.fund_customer(1_000 * USD)
    driver.pay(1_000 * USD)

    sizes = (1, 2, 3, 7, 300)
    chain_trees = []
    for n in sizes:
        es = [Entitlement(a, (1 + i % 3) * TOKEN, (1 + i % 2) * USD) for i, a in enumerate(addresses(n, f"chain-{n}"))]
        chain_trees.append(EntitlementTree(chain_id, distributor.address, es))
    reply = run_oz({"build": [{"values": values(t), "encoding": merkle.LEAF_ENCODING} for t in chain_trees]})

    for epoch, (tree, built) in enumerate(zip(chain_trees, reply["built"])):
        n = len(tree.entitlements)
        assert built["root"] == hexs(tree.root)
        oz_proofs = [[bytes.fromhex(p[2:]) for p in proof] for proof in built["proofs"]]
        assert oz_proofs == [tree.proof(i) for i in range(n)]
        first = tree.entitlements[0]
        assert distributor.functions.leaf(first.account, first.cumulative_subsidy, first.cumulative_revenue).call() \
            == merkle.leaf_hash(chain_id, tree.distributor, first)

        driver.end_epoch(epoch)
        subsidy = sum(e.cumulative_subsidy for e in tree.entitlements)
        revenue = sum(e.cumulative_revenue for e in tree.entitlements)
        driver.finalize(epoch, tree, subsidy, revenue)
        driver.root_in_effect()

        # Every leaf's OpenZeppelin proof passes the contract's own check...
        for i in range(n):
            distributor.functions.claim(*Driver.claim_args(tree, i, oz_proofs[i])).call()
        # ...and the contract is not one that accepts anything.
        e = tree.entitlements[0]
        with pytest.raises(ContractLogicError, match="invalid proof"):
            distributor.functions.claim(e.account, e.cumulative_subsidy + 1, e.cumulative_revenue, oz_proofs[0]).call()

        # Real transactions: the first leaf with OpenZeppelin's proof, the last with ours.
        picks = [(0, oz_proofs[0])] + ([(n - 1, tree.proof(n - 1))] if n > 1 else [])
        for i, proof in picks:
            e = tree.entitlements[i]
            receipt = driver.claim(tree, i, proof)
            assert driver.claimed_events(receipt) == [(e.cumulative_subsidy, e.cumulative_revenue)]
            assert driver.contracts.network_token.functions.balanceOf(e.account).call() == e.cumulative_subsidy
            assert driver.contracts.payment_token.functions.balanceOf(e.account).call() == e.cumulative_revenue
