"""`flywheel claim`: one bad leaf never blocks the others, a batch that reverts is split, a race with another
claimer is no failure, flaky nodes are retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from indexer.chain.accounts import dev_account
from indexer.chain.units import Unit
from indexer.chain.wallet import Sender
from indexer.settle import claim as claiming
from indexer.settle.allocate import allocate
from indexer.settle.merkle import Entitlement, EntitlementTree
from indexer.settle.store import SettlementStore, default_dir
from tests.conftest import Deployed
from tests.ingest.faults import FaultyProxy
from tests.settle.chainops import Ops
from tests.settle.test_settlement_chain import FLY, A, B, C, close_directly, manifest_path, ops  # noqa: F401 (fixtures)
from tests.helpers import assert_one_line_error, cli


def _balances(ops: Ops, account: str) -> tuple[int, int]:
    return ops.d.network_token.functions.balanceOf(account).call(), ops.d.payment_token.functions.balanceOf(account).call()


def _post_root(ops: Ops, manifest: Path, entitlements: list[Entitlement], subsidy: int, revenue: int) -> None:
    """Finalize epoch 0 with a tree of our own making, and keep the tree where the commands look for it."""
    dist = ops.d.reward_distributor
    tree = EntitlementTree(ops.m.chain_id, dist.address, sorted(entitlements, key=lambda e: e.account.lower()))
    reporter = Sender(ops.d.rpc, dev_account(0), ops.m.chain_id)
    reporter.call(dist.functions.finalize(0, tree.root, subsidy, revenue, 4, len(entitlements)), "finalize")
    SettlementStore(default_dir(manifest)).commit(0, tree)


def test_claim_all_pays_every_good_leaf_and_names_the_one_that_cannot_claim(deployed: Deployed, ops: Ops, manifest_path: Path) -> None:
    """The bad leaf: a tree that promises C one network-token unit more than the whole epoch finalized,
    as a faulty reporter or a hand-edited tree could post. The chain takes the root (it cannot see the
    leaves), A's and B's leaves are right, and C's claim alone reverts with "subsidy over finalized" —
    inside a `claim_many` batch it would revert the whole batch."""
    ops.pay(7, 1_000_000_000)
    ops.post_price()
    ops.end_epoch(0)
    dist = ops.d.reward_distributor.functions
    emission, pool = dist.next_emission().call(), dist.revenue_pool().call()
    work = {A: 1, B: 3}
    subsidy, revenue = allocate(emission, work), allocate(pool, work)
    good = [Entitlement(a, subsidy[a], revenue[a]) for a in work]
    _post_root(ops, manifest_path, good + [Entitlement(C, emission + 1, 0)], emission, pool)

    result = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest_path), "--all")

    assert result.returncode != 0
    for a in work:
        assert _balances(ops, a) == (subsidy[a], revenue[a])
    assert _balances(ops, C) == (0, 0)
    usd = Unit("USD", ops.m.payment_decimals)
    assert f"paid 2 of 3 accounts: {FLY.show(emission)} and {usd.show(pool)}" in result.stdout, result.stdout
    assert f"refused 1 account:\n  {C}: distributor: subsidy over finalized" in result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"error: 1 of 3 accounts could not claim: {C} (distributor: subsidy over finalized)"
    assert "Traceback" not in result.stderr


def test_an_account_claimed_by_someone_else_after_the_check_is_skipped_and_reported_as_already_claimed(deployed: Deployed, ops: Ops, manifest_path: Path) -> None:
    """Between the check and the send someone else claims for B: `claim_many` skips B instead of reverting,
    so the one batch pays A and C, and B comes back as already claimed, not as refused."""
    ops.post_price()
    ops.end_epoch(0)
    close_directly(ops, manifest_path, 0, {A: 1, B: 2, C: 3})
    store = SettlementStore(default_dir(manifest_path))
    items = claiming.owed(ops.d, claiming.claimable_tree(ops.d, store))
    payer = Sender(ops.d.rpc, dev_account(9), ops.m.chain_id)
    checked = claiming.check(ops.d, items, payer.address)
    assert len(checked.paid) == 3 and not checked.refused and not checked.already

    racer = Sender(ops.d.rpc, dev_account(8), ops.m.chain_id)
    claiming.pay(ops.d, racer.submitter, racer.wallet, [o for o in items if o.entitlement.account == B])
    outcome = claiming.pay(ops.d, payer.submitter, payer.wallet, checked.paid)

    assert [o.entitlement.account for o in outcome.paid] == [o.entitlement.account for o in items if o.entitlement.account != B]
    assert [o.entitlement.account for o in outcome.already] == [B] and not outcome.refused
    assert [(o.subsidy, o.revenue) for o in outcome.paid] == [(o.subsidy, o.revenue) for o in items if o.entitlement.account != B]
    for o in items:
        assert _balances(ops, o.entitlement.account) == (o.subsidy, o.revenue)  # B once, by the racer
    assert ops.d.rpc.nonce(payer.address) == payer.wallet.nonce == 1  # one batch, not split


def test_a_batch_that_would_revert_is_split_and_the_good_claims_paid(deployed: Deployed, ops: Ops, manifest_path: Path) -> None:
    """A failure other than nothing-to-claim still reverts a batch whole: here C's leaf promises more than was
    finalized and nobody checked first. The batch is refused at its estimate, before it is signed, and its
    claims are sent one by one: A and B are paid, C is named with the distributor's reason."""
    ops.pay(7, 1_000_000_000)
    ops.post_price()
    ops.end_epoch(0)
    dist = ops.d.reward_distributor.functions
    emission, pool = dist.next_emission().call(), dist.revenue_pool().call()
    work = {A: 1, B: 3}
    subsidy, revenue = allocate(emission, work), allocate(pool, work)
    _post_root(ops, manifest_path, [Entitlement(a, subsidy[a], revenue[a]) for a in work] + [Entitlement(C, emission + 1, 0)],
               emission, pool)
    items = claiming.owed(ops.d, claiming.claimable_tree(ops.d, SettlementStore(default_dir(manifest_path))))
    payer = Sender(ops.d.rpc, dev_account(9), ops.m.chain_id)

    outcome = claiming.pay(ops.d, payer.submitter, payer.wallet, items)

    assert sorted(o.entitlement.account for o in outcome.paid) == sorted(work)
    assert [(r.owed.entitlement.account, r.reason) for r in outcome.refused] == [(C, "distributor: subsidy over finalized")]
    assert not outcome.already
    for a in work:
        assert _balances(ops, a) == (subsidy[a], revenue[a])
    assert ops.d.rpc.nonce(payer.address) == 2  # two single claims; neither the batch nor C's claim was signed


def test_claim_through_a_node_that_answers_429_is_retried_and_paid(deployed: Deployed, ops: Ops, manifest_path: Path) -> None:
    ops.post_price()
    ops.end_epoch(0)
    plan = close_directly(ops, manifest_path, 0, {A: 1, B: 1})
    with FaultyProxy(deployed.url, plan=("429", None, None)) as proxy:
        result = cli("claim", "--rpc-url", proxy.url, "--deployment", str(manifest_path), "--account", A.lower())
    assert result.returncode == 0, result.stderr
    assert _balances(ops, A) == plan.allocations[A]
    assert proxy.injected.get("429", 0) >= 3


def test_a_malformed_account_is_one_line_not_a_missing_entitlement(tmp_path: Path) -> None:
    missing = str(tmp_path / "m.json")  # refused before the manifest is read
    assert_one_line_error(cli("claim", "--deployment", missing, "--account", "0x1234"), "'0x1234' is not an address")
    wrong_case = "0x" + A[2:].swapcase()
    assert_one_line_error(cli("claim", "--deployment", missing, "--account", wrong_case), "has a wrong checksum")


def test_claim_all_reports_an_account_someone_else_claimed_first_and_succeeds(
        deployed: Deployed, ops: Ops, manifest_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's own race: B is claimed by someone else after `claim --all` checked it and before its
    batch is mined. The batch skips B, pays A and C, and the command says so and exits 0."""
    ops.post_price()
    ops.end_epoch(0)
    plan = close_directly(ops, manifest_path, 0, {A: 1, B: 2, C: 3})
    racer = Sender(ops.d.rpc, dev_account(8), ops.m.chain_id)
    checked_first = claiming.check

    def check_then_race(d, items, sender):  # type: ignore[no-untyped-def]
        outcome = checked_first(d, items, sender)
        claiming.pay(d, racer.submitter, racer.wallet, [o for o in items if o.entitlement.account == B])
        return outcome

    monkeypatch.setattr(claiming, "check", check_then_race)
    result = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest_path), "--all")

    assert result.returncode == 0, result.stderr
    usd = Unit("USD", ops.m.payment_decimals)
    paid = [plan.allocations[a] for a in (A, C)]
    assert f"paid 2 of 3 accounts: {FLY.show(sum(s for s, _ in paid))} and {usd.show(sum(r for _, r in paid))}" in result.stdout
    assert f"already claimed by someone else: 1 account\n  {B}\n" in result.stdout
    assert "refused" not in result.stdout and result.stderr.count("error") == 0
    for account in (A, B, C):
        assert _balances(ops, account) == plan.allocations[account]


def test_claim_all_sends_batches_no_larger_than_the_distributors_bound(deployed: Deployed, ops: Ops, manifest_path: Path) -> None:
    accounts = [to_checksum_address(f"0x{0xabc0 + i:040x}") for i in range(claiming.MAX_BATCH + 4)]
    ops.pay(7, 1_000_000_000)
    ops.post_price()
    ops.end_epoch(0)
    plan = close_directly(ops, manifest_path, 0, {a: i + 1 for i, a in enumerate(accounts)})
    payer = dev_account(0).address
    nonce = ops.d.rpc.nonce(payer)

    result = cli("claim", "--rpc-url", deployed.url, "--deployment", str(manifest_path), "--all")

    assert result.returncode == 0, result.stderr
    assert f"paid {len(accounts)} accounts" in result.stdout
    assert ops.d.rpc.nonce(payer) == nonce + 2  # 16 and 4
    for a in accounts:
        assert _balances(ops, a) == plan.allocations[a]
