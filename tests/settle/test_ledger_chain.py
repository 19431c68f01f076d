"""The settlement ledger and epoch verification against a real anvil: a simulated network's every epoch imports,
sums to its `EpochFinalized`, and verifies, from the store or from a published bundle alone; tampering, a moved
work unit, another epoch's work, a revocation and a reorg are each caught or followed."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import select

from indexer.app.index import import_ledger, index_once
from indexer.app.simulate import Simulated, simulate
from indexer.chain import anvil as anvil_mod
from indexer.chain.accounts import dev_account
from indexer.chain.contracts import open_deployment
from indexer.chain.schedule import emission
from indexer.chain.manifest import Manifest, load
from indexer.chain.rpc import NodeClient
from indexer.db import engine as engines
from indexer.db.schema import EVENT_TABLES, allocation, node_work
from indexer.settle.merkle import EntitlementTree
from indexer.settle.store import SettlementStore, default_dir, read_tree, write_json
from indexer.sim.scenario import Scenario
from tests.conftest import Anvil
from tests.helpers import assert_one_line_error, cli, free_port
from tests.test_operator_cli import deploy, work_file

pytestmark = pytest.mark.chain

EPOCHS = 6
SCENARIO = Scenario(contributors=24, initial_contributors=6, adoption_midpoint=2.0, customers=8, claim_every=2,
                    idle_node_share=0.2, flaky_node_share=0.2)


@dataclass
class Run:
    url: str
    manifest_path: Path
    manifest: Manifest
    store: SettlementStore
    database_url: str
    simulated: Simulated

    def where(self) -> list[str]:
        return ["--rpc-url", self.url, "--deployment", str(self.manifest_path)]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("ledger")
    port = free_port()
    chain = anvil_mod.start(port)
    try:
        manifest_path = folder / "m.json"
        assert cli("deploy", "--rpc-url", chain.url, "--out", str(manifest_path)).returncode == 0
        sim = simulate(chain.url, manifest_path, EPOCHS, 7, SCENARIO)
        url = f"sqlite:///{folder / 'flywheel.db'}"
        index_once(chain.url, load(manifest_path), url, store=default_dir(manifest_path))
        yield Run(chain.url, manifest_path, load(manifest_path), SettlementStore(default_dir(manifest_path)), url, sim)
    finally:
        anvil_mod.stop(port)


def _rows(database_url: str, table) -> list:
    engine = engines.make_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(table)).all()
    finally:
        engine.dispose()


def test_allocations_sum_to_each_epochs_event_and_end_at_the_trees_leaves(simulated: Run) -> None:
    finalized = {int(r.epoch): r for r in _rows(simulated.database_url, EVENT_TABLES["epoch_finalized"])}
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    latest: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in _rows(simulated.database_url, allocation):
        sums[r.epoch][0] += r.subsidy
        sums[r.epoch][1] += r.revenue
        latest[r.epoch][r.account] = (r.cumulative_subsidy, r.cumulative_revenue)
        assert r.root == finalized[r.epoch].root
    assert sorted(sums) == list(range(EPOCHS))
    for epoch, (subsidy, revenue) in sums.items():
        assert (subsidy, revenue) == (int(finalized[epoch].subsidy), int(finalized[epoch].revenue))
        tree = simulated.store.tree(epoch, bytes.fromhex(finalized[epoch].root[2:]))
        leaves = {e.account.lower(): (e.cumulative_subsidy, e.cumulative_revenue) for e in tree.entitlements}
        assert latest[epoch] and all(leaves[a] == v for a, v in latest[epoch].items())
    nodes = _rows(simulated.database_url, node_work)
    assert {r.epoch for r in nodes} == set(range(EPOCHS))
    per_owner: dict[tuple[int, str], int] = defaultdict(int)
    for r in nodes:
        per_owner[(r.epoch, r.owner)] += r.work_units
    assert per_owner == {(r.epoch, r.account): r.work_units for r in _rows(simulated.database_url, allocation)}


def test_an_import_again_writes_nothing(simulated: Run) -> None:
    engine = engines.make_engine(simulated.database_url)
    try:
        result = import_ledger(engine, simulated.manifest, simulated.store)
    finally:
        engine.dispose()
    assert result.imported == [] and result.removed == []


def test_every_epoch_verifies_from_the_store(simulated: Run) -> None:
    for epoch in range(EPOCHS):
        result = cli("epoch", "verify", *simulated.where(), "--epoch", str(epoch),
                     "--work", str(simulated.store.work_path(epoch)))
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == "verified"


def test_a_published_bundle_verifies_with_no_store(simulated: Run, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    published = cli("epoch", "publish", *simulated.where(), "--epoch", "3", "--out", str(bundle))
    assert published.returncode == 0, published.stderr
    assert sorted(p.name for p in bundle.iterdir()) == ["README.txt", "previous-tree.json", "totals.json", "tree.json", "work.csv"]
    totals = json.loads((bundle / "totals.json").read_text())
    assert totals["epoch"] == "3" and all(isinstance(v, str) for v in totals.values())
    # Only the bundle and the manifest: no store beside it, no database.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(simulated.manifest_path, alone / "m.json")
    where = ["--rpc-url", simulated.url, "--deployment", str(alone / "m.json")]
    result = cli("epoch", "verify", *where, "--epoch", "3", "--work", str(bundle / "work.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "verified"
    (bundle / "previous-tree.json").unlink()
    missing = cli("epoch", "verify", *where, "--epoch", "3", "--work", str(bundle / "work.csv"))
    assert_one_line_error(missing, "--previous-tree")


def _moved(source: Path, target: Path) -> tuple[str, str]:
    """`source` with one work unit moved from one account's node to another account's; returns the two accounts."""
    lines = source.read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    giver = next(r for r in rows if int(r[1]) > 1)
    taker = next(r for r in rows if r[0] != giver[0])
    giver[1], taker[1] = str(int(giver[1]) - 1), str(int(taker[1]) + 1)
    target.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
    return giver[0], taker[0]


def test_a_moved_work_unit_fails_naming_both_accounts(simulated: Run, tmp_path: Path) -> None:
    giver, taker = _moved(simulated.store.work_path(2), tmp_path / "work.csv")
    result = cli("epoch", "verify", *simulated.where(), "--epoch", "2", "--work", str(tmp_path / "work.csv"))
    assert result.returncode != 0
    assert "verified" not in result.stdout
    assert f"  {giver}:" in result.stdout and f"  {taker}:" in result.stdout


def test_another_epochs_work_file_fails(simulated: Run) -> None:
    result = cli("epoch", "verify", *simulated.where(), "--epoch", "4", "--work", str(simulated.store.work_path(1)))
    assert result.returncode != 0
    assert "verified" not in result.stdout and "does not verify" in result.stderr


def test_a_tampered_tree_is_refused_and_nothing_is_written(simulated: Run, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(simulated.store.root, store)
    dump = json.loads((store / "epoch-00000.tree.json").read_text())
    dump["values"][0]["value"][3] = str(int(dump["values"][0]["value"][3]) + 1)
    (store / "epoch-00000.tree.json").write_text(json.dumps(dump))
    database = f"sqlite:///{tmp_path / 'tampered.db'}"
    index_once(simulated.url, simulated.manifest, database)

    def refused(fragment: str) -> None:
        result = cli("ledger", "import", "--deployment", str(simulated.manifest_path), "--store", str(store),
                     "--database-url", database)
        assert_one_line_error(result, fragment)
        assert _rows(database, allocation) == [] and _rows(database, node_work) == []

    refused("epoch-00000.tree.json is not a readable entitlement tree dump")
    # Tampered whole: a well-formed tree of other amounts, which hashes to another root.
    tree = read_tree(simulated.store.tree_path(0))
    first = tree.entitlements[0]
    forged = [replace(first, cumulative_subsidy=first.cumulative_subsidy + 1), *tree.entitlements[1:]]
    write_json(store / "epoch-00000.tree.json", EntitlementTree(tree.chain_id, tree.distributor, forged).dump())
    refused("the stored tree for epoch 0 does not match the root on chain")
    # The store's work file edited instead: the tree is right, the work does not give it.
    shutil.copy(simulated.store.tree_path(0), store / "epoch-00000.tree.json")
    _moved(simulated.store.work_path(0), store / "epoch-00000.work.csv")
    refused("does not give its root")


def _epochs(database_url: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for r in _rows(database_url, allocation):
        out[r.epoch].add(r.account)
    return dict(out)


def test_a_revoked_epoch_goes_and_comes_back_refinalized_and_rows_follow_a_reorg(anvil: Anvil, tmp_path: Path,
                                                                                  database_url: str) -> None:
    net = deploy(anvil.url, tmp_path, "delayed", "root_delay = 600\n")
    store = default_dir(net.manifest)
    database = database_url

    def index() -> None:
        net("index", "run", "--once", "--database-url", database, "--store", str(store))

    net("price", "post", "--usd", "2")
    net("chain", "advance", "--to-epoch-end")
    net("epoch", "close", "--epoch", "0", "--work", str(work_file(tmp_path, {4: 1})))
    index()
    a4, a5 = (dev_account(i).address.lower() for i in (4, 5))
    assert _epochs(database) == {0: {a4}}
    net("epoch", "revoke", "--epoch", "0")
    index()
    assert _epochs(database) == {}
    net("epoch", "close", "--epoch", "0", "--work", str(work_file(tmp_path, {4: 1, 5: 1})))
    index()
    assert _epochs(database) == {0: {a4, a5}}

    net("chain", "advance", "--seconds", "601")
    net("price", "post", "--usd", "2")
    net("chain", "advance", "--to-epoch-end")
    net("epoch", "close", "--epoch", "1", "--work", str(work_file(tmp_path, {5: 2})))
    index()
    assert _epochs(database) == {0: {a4, a5}, 1: {a5}}
    # The block holding epoch 1's finalization is replaced by an empty one: its rows go with its log.
    NodeClient(anvil.url).call("anvil_reorg", 1, [])
    index()
    assert _epochs(database) == {0: {a4, a5}}
    net("epoch", "close", "--epoch", "1", "--work", str(work_file(tmp_path, {4: 3})))
    index()
    assert _epochs(database) == {0: {a4, a5}, 1: {a4}}
    assert all(r.work_units == 3 for r in _rows(database, allocation) if r.epoch == 1)

    # A range: one root for two epochs, imported epoch by epoch, and verified whole from either.
    net("chain", "advance", "--seconds", "601")
    for _ in range(2):
        net("price", "post", "--usd", "2")
        net("chain", "advance", "--to-epoch-end")
    ranged = work_file(tmp_path, {4: 1, 5: 2})
    net("epoch", "close", "--epoch", "2", "--through", "3", "--work", str(ranged))
    index()
    assert _epochs(database) == {0: {a4, a5}, 1: {a4}, 2: {a4, a5}, 3: {a4, a5}}
    verified = net("epoch", "verify", "--epoch", "2", "--work", str(ranged)).stdout.splitlines()
    assert verified[0] == "verified" and verified[1].startswith("epochs 2 to 3: ")


def test_the_python_schedule_is_the_distributors_emission(simulated: Run) -> None:
    d = open_deployment(simulated.url, simulated.manifest_path)
    assert [emission(simulated.manifest.parameters, e) for e in range(60)] == \
        [d.reward_distributor.functions.emission(e).call() for e in range(60)]


def test_earned_less_claimed_is_what_the_proofs_and_the_claim_logs_leave_unclaimed(simulated: Run) -> None:
    result = cli("report", "contributors", "--database-url", simulated.database_url, "--deployment",
                 str(simulated.manifest_path), "--format", "json", "--top", "1000")
    assert result.returncode == 0, result.stderr
    rows = {r["account"].lower(): r for r in json.loads(result.stdout)["rows"]}
    # Independently: the latest proofs file's cumulative entitlements, less the chain's RewardClaimed logs.
    last = max(int(p.name[6:11]) for p in simulated.store.root.glob("epoch-*.proofs.json"))
    proofs = json.loads(simulated.store.proofs_path(last).read_text())["claims"]
    d = open_deployment(simulated.url, simulated.manifest_path)
    claimed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for log in d.reward_distributor.events.RewardClaimed.get_logs(from_block=0):
        claimed[log.args.account.lower()][0] += log.args.subsidy
        claimed[log.args.account.lower()][1] += log.args.revenue
    assert claimed, "the scenario claims: the test needs claims to mean anything"
    scale = Decimal(10) ** 18, Decimal(10) ** simulated.manifest.payment_decimals
    for account, proof in proofs.items():
        row = rows[account.lower()]
        subsidy = int(proof["cumulative_subsidy"]) - claimed[account.lower()][0]
        revenue = int(proof["cumulative_revenue"]) - claimed[account.lower()][1]
        assert Decimal(row["unclaimed_subsidy_tokens"]) == subsidy / scale[0]
        assert Decimal(row["unclaimed_revenue_usd"]) == revenue / scale[1]
        assert Decimal(row["earned_subsidy_tokens"]) - Decimal(row["claimed_subsidy_tokens"] or 0) == subsidy / scale[0]


def test_the_simulators_idle_nodes_are_found_by_the_supply_report(simulated: Run) -> None:
    result = cli("report", "supply", "--database-url", simulated.database_url, "--deployment", str(simulated.manifest_path),
                 "--interval", "epoch", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    d = open_deployment(simulated.url, simulated.manifest_path)
    idle_kind = [n for n in simulated.simulated.sim.nodes
                 if n.kind == "idle" and not d.node_registry.functions.retired(bytes.fromhex(n.node_id[2:])).call()]
    assert idle_kind, "the scenario registers idle nodes: the test needs some to mean anything"
    for row, record in zip(rows, simulated.simulated.records):
        assert row["epoch_start"] == record.epoch
        idle = round(Decimal(str(row["idle_share"])) * row["nodes_active"])
        # Every active node that reported nothing, by the simulator's own account of who worked...
        assert idle == row["nodes_active"] - len(record.work.nodes)
        # ...which counts at least the nodes it made idle.
        assert idle >= sum(1 for n in idle_kind if n.registered_in <= record.epoch)
