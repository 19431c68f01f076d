"""`flywheel epoch close` on node-level work: the NodeRegistry's word on every node, checked before anything
is written or sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.chain.accounts import dev_account
from indexer.chain.wallet import Sender
from indexer.errors import FlywheelError
from indexer.settle import merkle
from indexer.settle.allocate import allocate
from indexer.settle.nodes import check, node_id, read
from indexer.settle.workfile import parse
from tests.conftest import Deployed
from tests.settle.chainops import Ops
from tests.settle.test_close_refusals import REPORTER, _state, refused_unchanged
from tests.settle.test_settlement_chain import A, B, C, close, manifest_path, ops  # noqa: F401 (fixtures)

SALTS = [bytes([i]) * 32 for i in range(1, 5)]


def _registry(ops: Ops, owner: int, fn: str, salt: bytes) -> None:
    registry = ops.d.node_registry.functions
    Sender(ops.d.rpc, dev_account(owner), 31337).call(getattr(registry, fn)(salt), fn)


def test_node_id_is_the_registrys(deployed: Deployed, ops: Ops) -> None:
    for owner, salt in ((A, SALTS[0]), (B, SALTS[0]), (A, b"\xff" * 32)):
        assert node_id(owner, salt) == "0x" + ops.d.node_registry.functions.node_id(owner, salt).call().hex()
    # The lower-case spelling of the owner names the same node.
    assert node_id(A.lower(), SALTS[0]) == node_id(A, SALTS[0])


def test_unregistered_retired_and_wrongly_owned_nodes_are_refused_by_line(deployed: Deployed, ops: Ops, manifest_path: Path,
                                                                       tmp_path: Path) -> None:
    # A runs two nodes and retires the second in epoch 0; B runs one, retired only once epoch 0 has ended.
    a1, a2, b1 = node_id(A, SALTS[0]), node_id(A, SALTS[1]), node_id(B, SALTS[2])
    _registry(ops, 4, "register", SALTS[0])
    _registry(ops, 4, "register", SALTS[1])
    _registry(ops, 5, "register", SALTS[2])
    _registry(ops, 4, "retire", SALTS[1])
    ops.post_price()
    ops.end_epoch(0)
    _registry(ops, 5, "retire", SALTS[2])
    unknown = node_id(C, SALTS[3])
    cases = {
        "unregistered.csv": (f"account,work_units,node_id\n{A},5,{a1}\n\n{C},5,{unknown}\n",
                             f"line 4: node {unknown} is not registered in the NodeRegistry"),
        "retired.csv": (f"account,work_units,node_id\n{A},5,{a1}\n{A},5,{a2}\n",
                        f"line 3: node {a2} was retired in epoch 0, before epoch 0 ended"),
        "owner.csv": (f"account,work_units,node_id\n{B},5,{a1}\n", f"line 2: {B} is not the owner of node {a1}; the NodeRegistry says {A}"),
        "ownerless.csv": (f"node_id,work_units\n{a1},5\n{unknown},7\n", f"line 3: node {unknown} is not registered in the NodeRegistry"),
        "ownerless-retired.csv": (f"node_id,work_units\n{a2},5\n", f"line 2: node {a2} was retired in epoch 0"),
    }
    before = _state(ops, manifest_path)
    assert before == (before[0], 0, {})  # nothing closed, no store: a refusal must not create one
    refused_unchanged(deployed, ops, manifest_path, 0, tmp_path, cases)

    # Owners from the registry; B's node retired after the epoch ended, so its work in it counts.
    good = tmp_path / "good.csv"
    good.write_text(f"node_id,work_units\n{a1},30\n{b1},70\n")
    emission = ops.d.reward_distributor.functions.next_emission().call()
    accepted = close(deployed, manifest_path, 0, good, "--tree-out", str(tmp_path / "tree.json"))
    assert accepted.returncode == 0, accepted.stderr
    assert ops.next_epoch() == 1 and ops.d.rpc.nonce(REPORTER) == before[0] + 1
    tree = merkle.load(json.loads((tmp_path / "tree.json").read_text()))
    assert {e.account: e.cumulative_subsidy for e in tree.entitlements} == allocate(emission, {A: 30, B: 70})

    # Retired in epoch 1: refused for epoch 1, and for a range ending there.
    registered = read(ops.d, [a1, a2, b1, unknown])
    assert [(r.owner, r.retired_in) for r in registered.values()] == [(A, None), (A, 0), (B, 1), (None, None)]
    work = parse(f"node_id,work_units\n{b1},1\n", "w.csv")
    assert check(ops.d, work, 0).accounts == {B: 1}
    with pytest.raises(FlywheelError) as refused:
        check(ops.d, work, 1, "w.csv")
    assert str(refused.value) == f"w.csv line 2: node {b1} was retired in epoch 1, before epoch 1 ended"
