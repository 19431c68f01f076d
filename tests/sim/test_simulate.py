"""`flywheel simulate` on a real anvil: reproducible, and telling the flywheel story by default."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from indexer.chain import anvil as anvil_mod
from indexer.chain.contracts import bind
from indexer.chain.deploy import deploy
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.chain.rpc import NodeClient
from indexer.sim.scenario import Scenario
from indexer.cli.sim_cmd import run_simulation
from tests.helpers import assert_one_line_error, cli, free_port

GENESIS_BLOCK_TIME = 1_800_000_000


def _simulate_fresh(tmp_path: Path, name: str, seed: int, epochs: int, scenario: Scenario) -> list[dict]:
    """Deploy on a new anvil with a fixed clock start, simulate, and return every log after deployment."""
    port = free_port()
    chain = anvil_mod.start(port, ("--timestamp", str(GENESIS_BLOCK_TIME)))
    try:
        w3, chain_id = connect(chain.url)
        manifest = deploy(w3, chain_id, Params(genesis=GENESIS_BLOCK_TIME + 600, epoch_length=600))
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(manifest.to_json()))
        first = w3.eth.block_number + 1
        run_simulation(chain.url, path, epochs, seed, scenario, None)
        logs = NodeClient(chain.url).call("eth_getLogs", {"fromBlock": hex(first), "toBlock": "latest"})
        return [{k: log[k] for k in ("address", "topics", "data", "blockNumber", "logIndex", "transactionHash")} for log in logs]
    finally:
        anvil_mod.stop(port)


SMALL = Scenario(contributors=12, initial_contributors=3, adoption_midpoint=2, customers=6, demand_midpoint=3, claim_every=2,
                 wash_self_dealers=1, wash_funded=1)


@pytest.mark.chain
def test_same_seed_on_a_fresh_chain_gives_the_same_events(tmp_path: Path) -> None:
    first = _simulate_fresh(tmp_path, "a", seed=7, epochs=5, scenario=SMALL)
    second = _simulate_fresh(tmp_path, "b", seed=7, epochs=5, scenario=SMALL)
    other = _simulate_fresh(tmp_path, "c", seed=8, epochs=5, scenario=SMALL)
    assert len(first) > 100
    assert first == second
    assert first != other


def test_default_scenario_tells_the_flywheel_story(deployed, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(deployed.manifest.to_json()))
    records = run_simulation(deployed.url, path, 52, 1, Scenario(), None).records
    decimals = deployed.manifest.payment_decimals

    def share(r) -> Decimal:
        revenue = Decimal(r.revenue) / 10**decimals
        return revenue / (revenue + r.subsidy_usd())

    shares = [share(r) for r in records]
    crossover = next(i for i, s in enumerate(shares) if s >= Decimal("0.5"))
    assert shares[0] < Decimal("0.1"), "starts subsidy-driven"
    assert 10 <= crossover <= 40, f"revenue crosses subsidy in the middle, not at {crossover}"
    assert shares[-1] > Decimal("0.6"), "ends demand-driven"
    assert records[-1].contributors >= 150 and records[-1].customers == 50
    assert all(r.wash_payments > 0 for r in records)
    # Every epoch's subsidy was the whole schedule and its revenue the whole pool: nothing lost.
    dist = bind(deployed.w3, deployed.manifest).reward_distributor
    assert dist.functions.next_epoch().call() == 52
    assert dist.functions.subsidy_finalized().call() == sum(r.subsidy for r in records) == sum(dist.functions.emission(e).call() for e in range(52))
    assert dist.functions.revenue_carry().call() == 0


@pytest.mark.parametrize(("toml", "fragment"), [("colour = 1\n", "scenario: unknown key 'colour'"),
                                                ("customers = 0\n", "customers must be at least 1"),
                                                ("initial_price = 'free'\n", "initial_price must be a positive decimal")])
def test_bad_scenario_is_refused_before_anything_is_sent(tmp_path: Path, toml: str, fragment: str) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(toml)
    result = cli("simulate", "--rpc-url", f"http://127.0.0.1:{free_port()}", "--deployment", str(tmp_path / "none.json"),
                 "--scenario", str(scenario))
    assert_one_line_error(result, fragment)


@pytest.mark.chain
def test_a_phase_that_fills_many_blocks_pushes_the_next_phase_later(tmp_path: Path) -> None:
    """Small blocks make every phase take several: registering 80 nodes, paying, then claiming for 80 contributors.
    Each phase must start after the previous one's last block, or anvil refuses a block older than its parent."""
    port = free_port()
    chain = anvil_mod.start(port, ("--timestamp", str(GENESIS_BLOCK_TIME)))
    try:
        w3, chain_id = connect(chain.url)
        manifest = deploy(w3, chain_id, Params(genesis=GENESIS_BLOCK_TIME + 600, epoch_length=600))
        NodeClient(chain.url).call("evm_setBlockGasLimit", hex(3_000_000))  # after the deployment, which needs more
        path = tmp_path / "m.json"
        path.write_text(json.dumps(manifest.to_json()))
        crowded = Scenario(contributors=80, initial_contributors=80, customers=30, claim_every=1,
                           wash_self_dealers=1, wash_funded=1)
        records = run_simulation(chain.url, path, 3, 1, crowded, None).records
        assert [r.contributors for r in records][0] > 60 and len(records) == 3
        times = [int(w3.eth.get_block(n).timestamp) for n in range(manifest.deploy_block, w3.eth.block_number + 1)]
        assert times == sorted(times) and w3.eth.block_number - manifest.deploy_block > 3 * 4
    finally:
        anvil_mod.stop(port)
