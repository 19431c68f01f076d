"""The settlement store: each root's entitlement tree and proofs, as files.

The trees are the store: a root's cumulative entitlements are the values of
its tree, kept under the last epoch the root finalized, so closing the next
epoch starts from the tree under the one before it. A root that finalized a
range (epochs `F` to `L`) has its tree under `L` alone: the epochs before
`L` have no root of their own, and any file left under them is from a
revoked root, so it is removed rather than left to be mistaken for theirs.
A tree is only trusted when its root equals the root the chain holds, and a
lost store is rebuilt from a copy of the last tree (`adopt`), checked the
same way.

Beside each tree the store keeps the work file the close split (normalized:
checksummed accounts, and node ids where the file had them), because a root
can only be checked, by the ledger import or by anyone with `epoch verify`,
from the work it was computed from. It is staged and kept with the tree.
"""

from __future__ import annotations

import json
from pathlib import Path

from indexer import atomic
from indexer.errors import FlywheelError
from indexer.settle import merkle
from indexer.settle.merkle import EntitlementTree


def default_dir(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.stem + ".settlement")


def write_json(path: Path, data: dict) -> None:
    atomic.write(path, json.dumps(data, indent=1) + "\n")


def proofs_document(epoch: int, tree: EntitlementTree) -> dict:
    """Every account's claim arguments, so a claim UI needs nothing but this file."""
    return {
        "epoch": epoch,
        "root": "0x" + tree.root.hex(),
        "chain_id": tree.chain_id,
        "distributor": tree.distributor,
        "claims": {
            e.account: {
                "cumulative_subsidy": str(e.cumulative_subsidy),
                "cumulative_revenue": str(e.cumulative_revenue),
                "proof": ["0x" + p.hex() for p in tree.proof(i)],
            }
            for i, e in enumerate(tree.entitlements)
        },
    }


def read_tree(path: Path) -> EntitlementTree:
    """A tree dump, refused with one line when it is unreadable or its nodes are not what its values give."""
    try:
        return merkle.load(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FlywheelError(f"{path} is not a readable entitlement tree dump: {exc}") from None


class SettlementStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def tree_path(self, epoch: int) -> Path:
        return self.root / f"epoch-{epoch:05d}.tree.json"

    def proofs_path(self, epoch: int) -> Path:
        return self.root / f"epoch-{epoch:05d}.proofs.json"

    def work_path(self, epoch: int) -> Path:
        return self.root / f"epoch-{epoch:05d}.work.csv"

    def _pending_path(self, epoch: int) -> Path:
        return self.root / f"epoch-{epoch:05d}.tree.pending.json"

    def _pending_work_path(self, epoch: int) -> Path:
        return self.root / f"epoch-{epoch:05d}.work.pending.csv"

    def work(self, epoch: int) -> str | None:
        """The work file kept with epoch `epoch`'s tree; None for a tree closed before work files were kept."""
        path = self.work_path(epoch)
        return path.read_text() if path.exists() else None

    def tree(self, epoch: int, expected_root: bytes) -> EntitlementTree:
        """Epoch `epoch`'s tree, which must hash to `expected_root` (the chain's)."""
        self.recover(epoch, expected_root)
        path = self.tree_path(epoch)
        if not path.exists():
            raise FlywheelError(
                f"settlement store {self.root} has no tree for epoch {epoch}: "
                "restore it with --previous-tree FILE (a copy of that epoch's tree dump)"
            )
        tree = read_tree(path)
        if tree.root != expected_root:
            raise FlywheelError(f"the stored tree for epoch {epoch} does not match the root on chain")
        return tree

    def recover(self, epoch: int, expected_root: bytes) -> None:
        """Keep a tree left pending by an interrupted close if the chain took its root."""
        pending = self._pending_path(epoch)
        if not pending.exists() or self.tree_path(epoch).exists():
            return
        tree = read_tree(pending)
        if tree.root == expected_root:
            work = self._pending_work_path(epoch)
            self._publish(epoch, tree, work.read_text() if work.exists() else None)
        pending.unlink(missing_ok=True)
        self._pending_work_path(epoch).unlink(missing_ok=True)

    def adopt(self, epoch: int, dump_path: Path, expected_root: bytes) -> None:
        """Rebuild the store from a tree dump kept elsewhere, checked against the chain."""
        tree = read_tree(dump_path)
        if tree.root != expected_root:
            raise FlywheelError(f"{dump_path} does not match the root on chain for epoch {epoch}")
        self._publish(epoch, tree)

    def stage(self, epoch: int, tree: EntitlementTree, work: str | None = None) -> None:
        """Write the tree (and its work file) before its root is posted, so a crash after posting loses nothing."""
        if work is not None:
            atomic.write(self._pending_work_path(epoch), work)
        write_json(self._pending_path(epoch), tree.dump())

    def commit(self, epoch: int, tree: EntitlementTree, first: int | None = None, work: str | None = None) -> None:
        """Keep the tree (and its work file) of a root that finalized the epochs `first` (default: `epoch`) to
        `epoch`."""
        self._publish(epoch, tree, work)
        self.discard(epoch)
        for inside in range(epoch if first is None else first, epoch):
            for path in (self.tree_path(inside), self.proofs_path(inside), self.work_path(inside)):
                path.unlink(missing_ok=True)
            self.discard(inside)

    def find(self, root: bytes, before: int) -> EntitlementTree | None:
        """The newest stored tree of an epoch below `before` whose root is `root`, or None."""
        names = (p.name.removeprefix("epoch-").removesuffix(".tree.json") for p in self.root.glob("epoch-*.tree.json"))
        for epoch in sorted((int(n) for n in names if n.isdigit()), reverse=True):
            if epoch < before:
                tree = read_tree(self.tree_path(epoch))
                if tree.root == root:
                    return tree
        return None

    def discard(self, epoch: int) -> None:
        self._pending_path(epoch).unlink(missing_ok=True)
        self._pending_work_path(epoch).unlink(missing_ok=True)

    def _publish(self, epoch: int, tree: EntitlementTree, work: str | None = None) -> None:
        if work is not None:
            atomic.write(self.work_path(epoch), work)
        write_json(self.proofs_path(epoch), proofs_document(epoch, tree))
        write_json(self.tree_path(epoch), tree.dump())
