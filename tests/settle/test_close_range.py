"""`flywheel epoch close --through`: a backlog of ended epochs closed with one root, each epoch with its own
subsidy, revenue and price, against a real anvil; and what it refuses before anything is sent or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.chain.deploy import deploy
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.settle.allocate import allocate
from indexer.settle.close import EpochPlan
from indexer.settle.store import default_dir
from tests.conftest import Anvil, Deployed
from tests.settle.chainops import Ops
from tests.settle.test_claim_all import _balances
from tests.settle.test_close_refusals import REPORTER, _state
from tests.settle.test_settlement_chain import A, B, C, close, close_directly, manifest_path, ops, work_file  # noqa: F401 (fixtures)
from tests.helpers import assert_one_line_error, cli


def _net(ops: Ops, paid: int) -> int:
    """What a payment leaves in its epoch's pool: the gateway rounds its fee up."""
    return paid - -(-paid * ops.m.parameters["fee_bps"] // 10_000)


def _finalized(ops: Ops) -> dict[int, dict]:
    events = ops.d.reward_distributor.events.EpochFinalized().get_logs(from_block=0)
    return {e["args"]["epoch"]: dict(e["args"]) | {"tx": e["transactionHash"]} for e in events}


def _add(expected: dict[str, list[int]], allocations: dict[str, tuple[int, int]]) -> None:
    for account, (subsidy, revenue) in allocations.items():
        expected.setdefault(account, [0, 0])
        expected[account][0] += subsidy
        expected[account][1] += revenue


def _claim_all_and_check(deployed: Deployed, ops: Ops, manifest: Path, expected: dict[str, list[int]]) -> None:
    result = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest), "--all")
    assert result.returncode == 0, result.stderr
    for account, amounts in expected.items():
        assert _balances(ops, account) == tuple(amounts), account
    dist = ops.d.reward_distributor.functions
    assert dist.total_minted().call() == dist.subsidy_finalized().call() == sum(s for s, _ in expected.values())
    assert dist.total_revenue_paid().call() == dist.revenue_finalized().call() == sum(r for _, r in expected.values())


def test_a_range_finalizes_each_epoch_with_its_own_totals_and_its_tree_pays_exactly(
        deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    """Epochs 0 and 1 closed one by one, then 2 to 4 as a range (epoch 4 is a decay epoch, so its emission
    differs), then 5 alone: the range starts from the tree before it and the next close from the range's."""
    dist = ops.d.reward_distributor.functions
    expected: dict[str, list[int]] = {}
    for epoch, work in ((0, {A: 1, C: 1}), (1, {C: 5})):
        ops.pay(7, 100_000_000)
        ops.post_price(40_000_000 + epoch)
        ops.end_epoch(epoch)
        _add(expected, close_directly(ops, manifest_path, epoch, work).allocations)

    payments = {2: 1_000_000_000, 3: 333_333_333, 4: 7}
    prices = {2: 41_000_000, 3: 42_000_000, 4: 43_000_000}
    for epoch in payments:
        ops.pay(7, payments[epoch])
        ops.post_price(prices[epoch])
        ops.end_epoch(epoch)
    emission = {e: dist.emission(e).call() for e in payments}
    assert emission[4] < emission[3] == emission[2]
    work = {A: 30, B: 70}
    nonce = ops.d.rpc.nonce(REPORTER)

    result = close(deployed, manifest_path, 2, work_file(tmp_path, "w.csv", work), "--through", "4")

    assert result.returncode == 0, result.stderr
    assert ops.d.rpc.nonce(REPORTER) == nonce + 1 and ops.next_epoch() == 5
    events = _finalized(ops)
    root = bytes(dist.latest_root().call())
    assert len({events[e]["tx"] for e in payments}) == 1  # one transaction
    for epoch in payments:
        event = events[epoch]
        assert (event["subsidy"], event["revenue"], event["price"]) == (emission[epoch], _net(ops, payments[epoch]), prices[epoch])
        assert event["root"] == root
        assert (event["work_units"], event["contributors"]) == ((100, 2) if epoch == 4 else (0, 0))
        _add(expected, {a: (allocate(emission[epoch], work)[a], allocate(event["revenue"], work)[a]) for a in work})
    assert "epochs 2 to 4, each allocated on its own" in result.stdout and "epochs 2 to 4 closed" in result.stdout
    store = default_dir(manifest_path)
    assert sorted(p.name for p in store.iterdir()) == [
        f"epoch-{e:05d}.{kind}" for e in (0, 1, 4) for kind in ("proofs.json", "tree.json", "work.csv")]
    tree = json.loads((store / "epoch-00004.tree.json").read_text())
    assert {v["value"][2]: [int(v["value"][3]), int(v["value"][4])] for v in tree["values"]} == expected
    assert f"tree: {store / 'epoch-00004.tree.json'}" in result.stdout

    ops.post_price()
    ops.end_epoch(5)
    _add(expected, close_directly(ops, manifest_path, 5, {B: 1}).allocations)
    _claim_all_and_check(deployed, ops, manifest_path, expected)


def test_a_backlog_after_an_outage_is_caught_up_each_epoch_at_the_last_price_before_its_end(
        deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    """Nothing is closed for six epochs (1 to 6) and the price reporter falls silent after epoch 3. Each
    epoch takes the last price posted at or before its end: two posts in epoch 2, the later one; epochs 4
    to 6 epoch 3's; and a price posted after the outage, just before the catch-up, prices none of them."""
    ops.post_price(50_000_000)
    ops.end_epoch(0)
    expected: dict[str, list[int]] = {}
    _add(expected, close_directly(ops, manifest_path, 0, {A: 1}).allocations)

    ops.post_price(51_000_000)
    ops.end_epoch(1)
    ops.post_price(52_000_000)
    ops.pay(7, 250_000_000)
    ops.post_price(52_500_000)
    ops.end_epoch(2)
    ops.post_price(53_000_000)
    ops.end_epoch(3)
    ops.end_epoch(4)
    ops.pay(7, 90_000_001)
    ops.end_epoch(6)
    ops.post_price(99_000_000)
    work = {A: 2, B: 1, C: 4}

    result = close(deployed, manifest_path, 1, work_file(tmp_path, "w.csv", work), "--through", "6")

    assert result.returncode == 0, result.stderr
    events = _finalized(ops)
    assert [events[e]["price"] for e in range(1, 7)] == [51_000_000, 52_500_000] + [53_000_000] * 4
    assert [events[e]["revenue"] for e in range(1, 7)] == [0, _net(ops, 250_000_000), 0, 0, _net(ops, 90_000_001), 0]
    dist = ops.d.reward_distributor.functions
    for epoch in range(1, 7):
        assert events[epoch]["subsidy"] == dist.emission(epoch).call()
        _add(expected, {a: (allocate(events[epoch]["subsidy"], work)[a], allocate(events[epoch]["revenue"], work)[a])
                        for a in work})
    assert dist.revenue_carry().call() == 0
    _claim_all_and_check(deployed, ops, manifest_path, expected)


def test_a_range_is_refused_before_anything_is_sent_or_written(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    ops.post_price()
    ops.end_epoch(0)
    close_directly(ops, manifest_path, 0, {A: 1})
    ops.post_price()
    posted = ops.d.price_feed.functions.latest_price().call()[1]
    ops.end_epoch(3)
    good = work_file(tmp_path, "good.csv", {A: 1, B: 2})
    before = _state(ops, manifest_path)
    assert before[1] == 1 and before[2]  # a store with epoch 0 in it, to stay untouched

    def refused(first: int, last: int, fragment: str) -> None:
        assert_one_line_error(close(deployed, manifest_path, first, good, "--through", str(last)), fragment)
        assert _state(ops, manifest_path) == before

    refused(2, 1, "--through 1 is before --epoch 2")
    refused(1, 65, "epochs 1 to 65 are 65 epochs; one close takes at most 64")
    refused(1, 4, "epoch 4 has not ended")
    refused(2, 3, "epoch 2 is out of order: the next epoch to close is 1")

    # The last price was posted in epoch 1; the first epoch to end more than max_price_age after it is stale.
    age, epochs = ops.m.parameters["max_price_age"], ops.m.epochs
    stale = next(e for e in range(1, 64) if epochs.end(e) > posted + age)
    ops.end_epoch(stale)
    before = _state(ops, manifest_path)
    refused(1, stale, f"the price of epoch {stale} is stale")
    ok = close(deployed, manifest_path, 1, good, "--through", str(stale - 1))
    assert ok.returncode == 0, ok.stderr
    assert ops.next_epoch() == stale


@pytest.fixture
def delayed(anvil: Anvil, tmp_path: Path) -> tuple[Deployed, Path]:
    """A deployment whose roots wait 600 s before they take effect."""
    w3, chain_id = connect(anvil.url)
    deployed = Deployed(url=anvil.url, w3=w3, manifest=deploy(w3, chain_id, Params(root_delay=600)))
    path = tmp_path / "m.json"
    path.write_text(json.dumps(deployed.manifest.to_json()))
    return deployed, path


def test_a_range_waits_for_the_previous_root_to_take_effect(delayed: tuple[Deployed, Path], tmp_path: Path) -> None:
    deployed, manifest = delayed
    ops = Ops(deployed)
    ops.post_price()
    ops.end_epoch(2)
    plan: EpochPlan = close_directly(ops, manifest, 0, {A: 1})
    assert plan.last == 0
    before = _state(ops, manifest)
    work = work_file(tmp_path, "w.csv", {B: 1})
    assert_one_line_error(close(deployed, manifest, 1, work, "--through", "2"), "the previous root is pending until")
    assert _state(ops, manifest) == before
    ops.advance_to(ops.now() + 600)
    assert close(deployed, manifest, 1, work, "--through", "2").returncode == 0
    assert ops.next_epoch() == 3

    # While the range's root waits out its delay, claims prove against epoch 0's, whose tree is a range back.
    early = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest), "--all")
    assert early.returncode == 0, early.stderr
    assert _balances(ops, A) == plan.allocations[A] and _balances(ops, B) == (0, 0)
