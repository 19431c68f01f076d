"""`flywheel epoch close` and `flywheel claim` against a real anvil."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from indexer.chain.accounts import dev_account
from indexer.chain.units import NETWORK_TOKEN_DECIMALS, Unit
from indexer.chain.wallet import Sender
from indexer.paths import REPO_ROOT
from indexer.settle.allocate import allocate
from indexer.settle.close import EpochPlan, close_epoch
from indexer.settle.store import SettlementStore, default_dir
from tests.conftest import Deployed
from tests.settle.chainops import Ops
from tests.helpers import assert_one_line_error, cli

A, B, C = (dev_account(i).address for i in (4, 5, 6))


@pytest.fixture
def ops(deployed: Deployed) -> Ops:
    return Ops(deployed)


@pytest.fixture
def manifest_path(deployed: Deployed, tmp_path: Path) -> Path:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(deployed.manifest.to_json()))
    return path


def work_file(tmp_path: Path, name: str, rows: dict[str, int]) -> Path:
    path = tmp_path / name
    path.write_text("account,work_units\n" + "".join(f"{a},{u}\n" for a, u in rows.items()))
    return path


def close(deployed: Deployed, manifest: Path, epoch: int, work: Path, *extra: str) -> subprocess.CompletedProcess:
    return cli("epoch", "close", "--rpc-url", deployed.url, "--deployment", str(manifest), "--epoch", str(epoch), "--work", str(work), *extra)


def close_directly(ops: Ops, manifest: Path, epoch: int, work: dict[str, int]) -> EpochPlan:
    """Close an epoch through the settlement code the command runs, into the store beside `manifest`,
    for tests whose subject comes after the close (starting the command line costs seconds)."""
    reporter = Sender(ops.d.rpc, dev_account(0), ops.m.chain_id)
    store = SettlementStore(default_dir(manifest))
    return close_epoch(ops.d, reporter.submitter, reporter.wallet, store, epoch, work, ops.d.rpc.timestamp())


FLY = Unit("FLY", NETWORK_TOKEN_DECIMALS)


def test_claim_after_several_epochs_pays_exactly_the_sum_of_allocations(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    dist = ops.d.reward_distributor.functions
    fee_bps = deployed.manifest.parameters["fee_bps"]
    works = [{A: 30, B: 70}, {B: 10, C: 5}, {A: 1, B: 1, C: 1}]
    payments = [1_000_000_000, 333_333_333, 7]
    expected = {a: [0, 0] for a in (A, B, C)}
    for epoch, (work, paid) in enumerate(zip(works, payments)):
        ops.pay(7, paid)
        ops.post_price()
        ops.end_epoch(epoch)
        emission = dist.next_emission().call()
        pool = dist.revenue_pool().call()
        # Every epoch's pool is fully allocated, so it is exactly that epoch's net payments.
        assert pool == paid + (-paid * fee_bps // 10_000)  # the fee rounds up
        result = close(deployed, manifest_path, epoch, work_file(tmp_path, f"w{epoch}.csv", work))
        assert result.returncode == 0, result.stderr
        # Human units with their names, to the last unit: never base units.
        assert FLY.show(emission) in result.stdout and "units)" not in result.stdout
        for account, share in allocate(emission, work).items():
            expected[account][0] += share
        for account, share in allocate(pool, work).items():
            expected[account][1] += share

    claim = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest_path), "--account", A)
    assert claim.returncode == 0, claim.stderr
    assert ops.d.network_token.functions.balanceOf(A).call() == expected[A][0]
    assert ops.d.payment_token.functions.balanceOf(A).call() == expected[A][1]
    assert ops.d.network_token.functions.balanceOf(B).call() == 0

    everyone = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest_path), "--all")
    assert everyone.returncode == 0, everyone.stderr
    usd = Unit("USD", deployed.manifest.payment_decimals)
    paid = f"paid 2 accounts: {FLY.show(expected[B][0] + expected[C][0])} and {usd.show(expected[B][1] + expected[C][1])}"
    assert paid in everyone.stdout, everyone.stdout
    for account in (A, B, C):
        assert ops.d.network_token.functions.balanceOf(account).call() == expected[account][0]
        assert ops.d.payment_token.functions.balanceOf(account).call() == expected[account][1]
    assert dist.total_minted().call() == sum(v[0] for v in expected.values()) == dist.subsidy_finalized().call()
    again = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest_path), "--all")
    assert again.returncode == 0 and "nothing to claim" in again.stdout


def test_tree_dump_loads_in_openzeppelin_and_matches_the_root_on_chain(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    ops.post_price()
    ops.end_epoch(0)
    tree_out = tmp_path / "tree.json"
    assert close(deployed, manifest_path, 0, work_file(tmp_path, "w.csv", {A: 3, B: 4, C: 5}), "--tree-out", str(tree_out)).returncode == 0
    dump = json.loads(tree_out.read_text())
    reply = subprocess.run(["node", str(REPO_ROOT / "tests" / "js" / "oz_tree.cjs")], input=json.dumps({"load": [dump]}),
                           capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    loaded = json.loads(reply.stdout)["loaded"][0]
    assert "error" not in loaded
    assert loaded["root"] == "0x" + bytes(ops.d.reward_distributor.functions.latest_root().call()).hex()
    assert loaded["dump"] == dump
    proofs = json.loads((tmp_path / "m.settlement" / "epoch-00000.proofs.json").read_text())
    assert proofs["root"] == loaded["root"] and set(proofs["claims"]) == {A, B, C}


def _assert_nothing_happened(ops: Ops, manifest_path: Path, next_epoch: int) -> None:
    assert ops.next_epoch() == next_epoch
    store = manifest_path.with_name("m.settlement")
    assert not store.exists() or not any(p.name.startswith(f"epoch-{next_epoch:05d}") for p in store.iterdir())


def test_refusals_post_nothing_and_write_nothing(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    good = work_file(tmp_path, "good.csv", {A: 1})

    assert_one_line_error(close(deployed, manifest_path, 0, good), "epoch 0 has not ended")
    _assert_nothing_happened(ops, manifest_path, 0)

    ops.end_epoch(0)
    assert_one_line_error(close(deployed, manifest_path, 0, good), "no price was posted by the end of epoch 0")
    _assert_nothing_happened(ops, manifest_path, 0)

    assert_one_line_error(close(deployed, manifest_path, 1, good), "epoch 1 is out of order: the next epoch to close is 0")
    empty = tmp_path / "empty.csv"
    empty.write_text("account,work_units\n")
    assert_one_line_error(close(deployed, manifest_path, 0, empty), "has no contributors")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"account,work_units\n{A},ten\n")
    assert_one_line_error(close(deployed, manifest_path, 0, bad), "line 2: work_units 'ten' is not a positive integer")
    _assert_nothing_happened(ops, manifest_path, 0)


def test_a_lost_store_is_rebuilt_from_the_previous_tree_checked_against_the_chain(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    ops.post_price()
    ops.end_epoch(0)
    kept = tmp_path / "kept-tree.json"
    assert close(deployed, manifest_path, 0, work_file(tmp_path, "w0.csv", {A: 2, B: 1}), "--tree-out", str(kept)).returncode == 0
    shutil.rmtree(tmp_path / "m.settlement")

    ops.post_price()
    ops.end_epoch(1)
    w1 = work_file(tmp_path, "w1.csv", {B: 1})
    assert_one_line_error(close(deployed, manifest_path, 1, w1), "--previous-tree")

    forged = json.loads(kept.read_text())
    forged["values"][0]["value"][3] = str(int(forged["values"][0]["value"][3]) + 1)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    assert_one_line_error(close(deployed, manifest_path, 1, w1, "--previous-tree", str(tmp_path / "forged.json")), "not a readable entitlement tree dump")
    assert ops.next_epoch() == 1

    assert close(deployed, manifest_path, 1, w1, "--previous-tree", str(kept)).returncode == 0
    assert ops.next_epoch() == 2
    epoch1 = json.loads((tmp_path / "m.settlement" / "epoch-00001.tree.json").read_text())
    # A kept its epoch-0 entitlement although it did no work in epoch 1.
    assert A in [v["value"][2] for v in epoch1["values"]]
