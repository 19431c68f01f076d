"""The simulator's node-level work: idle nodes are registered but never in a work file, flaky ones swing,
and every epoch's work passes the registry checks `epoch close` makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.chain.contracts import bind
from indexer.cli.sim_cmd import run_simulation
from indexer.errors import FlywheelError
from indexer.settle import nodes
from indexer.settle.workfile import dump, parse
from indexer.sim import scenario as scenarios
from tests.conftest import Deployed
from tests.sim.test_simulate import SMALL

NODES = scenarios.parse({**{f: getattr(SMALL, f) for f in SMALL.__struct_fields__}, "idle_node_share": 0.3,
                         "flaky_node_share": 0.4, "flaky_work_spread": 2.0, "churn_bps": 600, "max_nodes_per_contributor": 4,
                         "adoption_steepness": 1.5})


def test_idle_nodes_are_absent_and_flaky_ones_vary(deployed: Deployed, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(deployed.manifest.to_json()))
    epochs = 8
    sim = run_simulation(deployed.url, path, epochs, 3, NODES, None)
    records = sim.records
    kinds = {n.node_id: n.kind for n in sim.nodes}
    idle = {node for node, kind in kinds.items() if kind == "idle"}
    flaky = {node for node, kind in kinds.items() if kind == "flaky"}
    assert idle and flaky and len(kinds) > len(idle) + len(flaky)
    d = bind(deployed.w3, deployed.manifest)
    registered = nodes.read(d, list(kinds))
    assert all(r.owner == n.owner for n, r in zip(sim.nodes, registered.values()))
    assert any(r.retired_in is not None for r in registered.values()), "some nodes retire"
    for r in records:
        assert not idle & set(r.work.nodes)
        steady = [units for node, (_, units) in r.work.nodes.items() if kinds[node] == "steady"]
        assert all(SMALL.work_per_node_min <= u <= SMALL.work_per_node_max for u in steady)
        # Each contributor's units are its nodes' sum; the file it would be written as reads back the same.
        assert parse(dump(r.work)) == r.work
        assert r.contributors == len(r.work.accounts)
        # What the simulator closed on is what `epoch close` would accept from a file, the registry's view since.
        assert nodes.check(d, r.work, r.epoch) == r.work
    flaky_units = [r.work.nodes.get(n.node_id, (None, 0))[1] for r in records for n in sim.nodes
                   if n.kind == "flaky" and n.registered_in <= r.epoch and not _retired(registered[n.node_id], r.epoch)]
    assert 0 in flaky_units, "a flaky node has epochs with no work"
    assert max(flaky_units) > SMALL.work_per_node_max, "and epochs with more than a steady node's most"
    # A node has work only while it is registered and not retired.
    for n in sim.nodes:
        assert all(n.registered_in <= r.epoch and not _retired(registered[n.node_id], r.epoch)
                   for r in records if n.node_id in r.work.nodes)


def _retired(r: nodes.Registration, epoch: int) -> bool:
    return r.retired_in is not None and r.retired_in <= epoch


@pytest.mark.parametrize(("knobs", "fragment"), [({"idle_node_share": 1.0}, "idle_node_share"),
                                                 ({"flaky_node_share": 1.5}, "flaky_node_share"),
                                                 ({"idle_node_share": 0.6, "flaky_node_share": 0.6},
                                                  "idle_node_share and flaky_node_share must add up to at most 1"),
                                                 ({"flaky_work_spread": -1}, "flaky_work_spread")])
def test_node_knobs_are_bounded(knobs: dict, fragment: str) -> None:
    with pytest.raises(FlywheelError, match=fragment):
        scenarios.parse(knobs)


def test_node_knobs_take_integers_from_toml() -> None:
    assert scenarios.parse({"idle_node_share": 0, "flaky_work_spread": 2}).flaky_work_spread == 2
