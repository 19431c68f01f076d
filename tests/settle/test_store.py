"""The settlement store after range closes: a root's tree under the last epoch it finalized, nothing left
under the epochs inside the range, and the claimable tree found a whole range back."""

from __future__ import annotations

from pathlib import Path

from indexer.settle.merkle import Entitlement, EntitlementTree
from indexer.settle.store import SettlementStore

A, B = ("0x" + f"{n:040x}" for n in (0xA, 0xB))


def _tree(amount: int) -> EntitlementTree:
    return EntitlementTree(31337, "0x" + "d1" * 20, [Entitlement(A, amount, 0), Entitlement(B, 0, amount)])


def test_a_range_is_kept_under_its_last_epoch_and_clears_what_revoked_roots_left_inside_it(tmp_path: Path) -> None:
    store = SettlementStore(tmp_path)
    store.commit(0, _tree(1))
    # A revoked close of epochs 1 to 3 left its tree under 3, and an interrupted one a staged tree under 2.
    store.commit(3, _tree(99), first=1)
    store.stage(2, _tree(98))
    store.commit(4, _tree(2), first=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "epoch-00000.proofs.json", "epoch-00000.tree.json", "epoch-00004.proofs.json", "epoch-00004.tree.json"]
    assert store.tree(4, _tree(2).root).root == _tree(2).root


def test_the_claimable_tree_is_found_however_far_back_the_previous_close_ended(tmp_path: Path) -> None:
    store = SettlementStore(tmp_path)
    store.commit(0, _tree(1))
    store.commit(6, _tree(2), first=1)
    store.commit(7, _tree(3))
    # While epoch 7's root is pending the claimable root is epoch 6's; before that one, epoch 0's.
    assert store.find(_tree(2).root, before=8).root == _tree(2).root
    assert store.find(_tree(1).root, before=7).root == _tree(1).root
    assert store.find(_tree(3).root, before=7) is None  # a tree of an epoch not finalized is never the answer
    assert store.find(_tree(9).root, before=8) is None


def test_the_work_file_is_kept_with_its_tree_staged_recovered_and_cleared_with_it(tmp_path: Path) -> None:
    store = SettlementStore(tmp_path)
    store.commit(0, _tree(1), work="account,work_units\nA,1\n")
    assert store.work(0) == "account,work_units\nA,1\n"
    # A close interrupted after its root was sent: the staged tree and work are kept once the chain shows the root.
    store.stage(1, _tree(2), "account,work_units\nB,2\n")
    assert store.work(1) is None
    store.recover(1, _tree(2).root)
    assert store.work(1) == "account,work_units\nB,2\n"
    # Staged for a root the chain never took: neither is kept.
    store.stage(2, _tree(3), "w")
    store.recover(2, _tree(9).root)
    assert store.work(2) is None and not any(".pending." in p.name for p in tmp_path.iterdir())
    # A range over a revoked root's files takes its work file too.
    store.commit(4, _tree(4), first=1, work="x")
    assert store.work(1) is None and store.work(4) == "x"
