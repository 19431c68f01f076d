"""`flywheel pause|unpause finalization`: the guardian stops new roots while a suspect one is revoked within its
delay, only the admin resumes, and `epoch close` is refused while it is paused, before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.chain.accounts import DEV_KEYS, dev_account
from indexer.chain.deploy import deploy
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.settle.store import default_dir
from tests.conftest import Anvil, Deployed
from tests.settle.chainops import Ops
from tests.settle.test_settlement_chain import A, B, work_file
from tests.helpers import assert_one_line_error, cli

ADMIN, GUARDIAN, NOBODY = 0, 2, 3  # the deployer is admin and reporter; the guardian is an account of its own


def _nonces(ops: Ops) -> list[int]:
    return [ops.d.rpc.nonce(dev_account(i).address) for i in range(len(DEV_KEYS))]


def test_a_suspect_root_is_stopped_by_pausing_finalization_and_revoking_it(anvil: Anvil, tmp_path: Path) -> None:
    w3, chain_id = connect(anvil.url)
    params = Params(root_delay=600, guardian=dev_account(GUARDIAN).address)
    deployed = Deployed(url=anvil.url, w3=w3, manifest=deploy(w3, chain_id, params))
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(deployed.manifest.to_json()))
    ops = Ops(deployed)
    where = ["--rpc-url", anvil.url, "--deployment", str(manifest)]

    def run(*args: str, signer: int | None = None) -> str:
        result = cli(*args, *where, *(["--dev-account", str(signer)] if signer is not None else []))
        assert result.returncode == 0, result.stderr
        return result.stdout

    def refused(fragment: str, *args: str, signer: int | None = None) -> None:
        nonces, files = _nonces(ops), sorted(default_dir(manifest).rglob("*"))
        assert_one_line_error(cli(*args, *where, *(["--dev-account", str(signer)] if signer is not None else [])), fragment)
        assert _nonces(ops) == nonces and sorted(default_dir(manifest).rglob("*")) == files

    def paused() -> dict[str, bool]:
        return json.loads(run("status", "--format", "json"))["paused"]

    assert paused() == {"payments": False, "claims": False, "finalization": False}
    ops.post_price()
    ops.end_epoch(0)
    suspect = work_file(tmp_path, "suspect.csv", {B: 1})
    run("epoch", "close", "--epoch", "0", "--work", str(suspect))
    assert json.loads(run("status", "--format", "json"))["pending_root"] is not None

    # Pausing is the guardian's alone: neither the admin nor anyone else can, and nothing is sent.
    refused("pausing needs the guardian role on RewardDistributor", "pause", "finalization", signer=ADMIN)
    refused(f"the signer {dev_account(NOBODY).address} lacks it", "pause", "finalization", signer=NOBODY)
    assert run("pause", "finalization", signer=GUARDIAN).strip() == "finalization paused"
    assert run("pause", "finalization", signer=GUARDIAN).strip() == "finalization is already paused: nothing sent"
    assert paused() == {"payments": False, "claims": False, "finalization": True}
    assert "payments running, claims running, finalization paused" in run("status")

    run("epoch", "revoke", "--epoch", "0", signer=GUARDIAN)
    good = work_file(tmp_path, "good.csv", {A: 1, B: 1})
    refused("finalization is paused: a guardian paused it (`flywheel unpause finalization` needs the admin)",
            "epoch", "close", "--epoch", "0", "--work", str(good))
    refused("finalization is paused", "epoch", "close", "--epoch", "0", "--through", "0", "--work", str(good))

    # Resuming is the admin's alone.
    refused("unpausing needs the admin role on RewardDistributor", "unpause", "finalization", signer=GUARDIAN)
    assert run("unpause", "finalization", signer=ADMIN).strip() == "finalization resumed"
    assert run("unpause", "finalization", signer=ADMIN).strip() == "finalization is already running: nothing sent"
    assert paused() == {"payments": False, "claims": False, "finalization": False}
    run("epoch", "close", "--epoch", "0", "--work", str(good))
    assert ops.next_epoch() == 1
    tree = json.loads((default_dir(manifest) / "epoch-00000.tree.json").read_text())
    assert sorted(v["value"][2] for v in tree["values"]) == sorted([A, B])
