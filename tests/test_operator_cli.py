"""Running a network with `flywheel` commands alone, on a fresh anvil, as the README walks through it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from indexer.chain.accounts import DEV_KEYS, dev_account
from indexer.chain.rpc import NodeClient
from tests.conftest import Deployed
from tests.helpers import assert_one_line_error, cli, contracts_of, run

OPERATORS = (4, 5)  # node operators, who do the work
CUSTOMERS = (6, 7)


class Network:
    """One deployment driven through the command line; every call's output is kept for the secret scan."""

    def __init__(self, url: str, manifest: Path) -> None:
        self.url = url
        self.manifest = manifest
        self.outputs: list[str] = []

    def __call__(self, *args: str, env: dict | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        result = run(*args, "--rpc-url", self.url, "--deployment", str(self.manifest), env=env)
        self.outputs.append(result.stdout + result.stderr)
        if ok:
            assert result.returncode == 0, f"{args}: {result.stderr}"
            assert "Traceback" not in result.stderr
        return result

    def status(self) -> dict:
        return json.loads(self("status", "--format", "json").stdout)


def deploy(url: str, tmp_path: Path, name: str, params: str = "") -> Network:
    manifest = tmp_path / f"{name}.json"
    args = ["deploy", "--rpc-url", url, "--out", str(manifest)]
    if params:
        (tmp_path / f"{name}.toml").write_text(params)
        args += ["--params", str(tmp_path / f"{name}.toml")]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return Network(url, manifest)


def work_file(tmp_path: Path, rows: dict[int, int]) -> Path:
    path = tmp_path / "work.csv"
    path.write_text("account,work_units\n" + "".join(f"{dev_account(i).address},{u}\n" for i, u in rows.items()))
    return path


def test_a_network_runs_end_to_end_with_the_command_line_alone(anvil, tmp_path: Path) -> None:
    net = deploy(anvil.url, tmp_path, "m")
    net("price", "post", "--usd", "0.5")
    for i, operator in enumerate(OPERATORS):
        out = net("node", "register", "--node-id", f"gpu-{i}", "--dev-account", str(operator)).stdout
        assert f"to {dev_account(operator).address}" in out
    for customer, amount in zip(CUSTOMERS, ("1000", "250.5")):
        net("faucet", "--amount", amount, "--dev-account", str(customer))
        paid = net("pay", "--amount", amount, "--reference", "invoice", "--dev-account", str(customer)).stdout
        assert f"paid {amount.replace('1000', '1,000')} USD" in paid and "fee" in paid
    assert net.status()["revenue_pool_base"] == str((1_000_000_000 + 250_500_000) * 95 // 100)

    net("chain", "advance", "--to-epoch-end")
    net("epoch", "close", "--epoch", "0", "--work", str(work_file(tmp_path, {4: 3, 5: 1})))
    status = net.status()
    assert status["last_finalized_epoch"] == 0 and status["pending_root"] is None

    net("pause", "claims")
    assert net.status()["paused"] == {"payments": False, "claims": True, "finalization": False}
    refused = net("claim", "--account", dev_account(4).address, ok=False)
    assert refused.returncode != 0 and "paused" in refused.stderr.lower()
    net("unpause", "claims")
    net("claim", "--all")
    w3_balance = NodeClient(anvil.url)
    minted = int(net.status()["minted_base"])
    assert minted == 100_000 * 10**18  # the whole first emission, claimed by the two operators
    assert w3_balance.chain_id() == 31337

    # The reports read the indexed events: two nodes, two payments, the epoch's rewards.
    db = f"sqlite:///{tmp_path / 'f.db'}"
    net("index", "run", "--once", "--database-url", db)
    real_yield = json.loads(run("report", "real-yield", "--database-url", db, "--deployment", str(net.manifest),
                                "--format", "json").stdout)
    first = real_yield["rows"][0]
    assert first["active_nodes"] == 2 and first["payments"] == 2
    assert first["subsidy_tokens"] == "100000" and first["revenue_usd"] == "1187.975"
    contributors = json.loads(run("report", "contributors", "--database-url", db, "--deployment", str(net.manifest),
                                  "--format", "json").stdout)
    assert len(contributors["rows"]) == 2


def test_a_pending_root_is_revoked_and_the_epoch_closed_again(anvil, tmp_path: Path) -> None:
    net = deploy(anvil.url, tmp_path, "delayed", "root_delay = 600\n")
    net("price", "post", "--usd", "2")
    net("chain", "advance", "--to-epoch-end")
    net("epoch", "close", "--epoch", "0", "--work", str(work_file(tmp_path, {4: 1})))
    pending = net.status()
    assert pending["pending_root"] is not None and pending["claimable_at"] is not None
    early = net("claim", "--all", ok=False)
    assert_one_line_error(early, f"epoch 0's root becomes claimable at {pending['claimable_at']}")
    revoked = net("epoch", "revoke", "--epoch", "0").stdout
    assert f"revoked epoch 0's root {pending['pending_root']}" in revoked
    after = net.status()
    assert after["last_finalized_epoch"] is None and after["pending_root"] is None
    net("epoch", "close", "--epoch", "0", "--work", str(work_file(tmp_path, {4: 1, 5: 1})))
    assert net.status()["last_finalized_epoch"] == 0
    assert "clock moved 601 s" in net("chain", "advance", "--seconds", "601").stdout
    refused = net("epoch", "revoke", "--epoch", "0", ok=False)
    assert_one_line_error(refused, "already in effect")



def test_node_ids_are_the_registrys_own_derived_from_the_signer_and_salt(deployed: Deployed, tmp_path: Path) -> None:
    """The printed id is what the registry derives, and the old front-run (another account registering the same
    --node-id first) no longer stops the owner."""
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(deployed.manifest.to_json()))
    registry = contracts_of(deployed.w3, deployed.manifest.to_json())["node_registry"].functions
    where = ["--rpc-url", deployed.url, "--deployment", str(manifest)]

    def node(action: str, text: str, account: int) -> tuple[bytes, bytes]:
        result = cli("node", action, "--node-id", text, *where, "--dev-account", str(account))
        assert result.returncode == 0, result.stderr
        printed = re.search(r"node 0x([0-9a-f]{64}) \(salt 0x([0-9a-f]{64})\)", result.stdout)
        assert printed, result.stdout
        return bytes.fromhex(printed[1]), bytes.fromhex(printed[2])

    owner, copier = dev_account(4).address, dev_account(5).address
    copied, _ = node("register", "gpu-9", 5)
    nid, salt = node("register", "gpu-9", 4)
    assert salt == keccak(text="gpu-9")
    assert nid == registry.node_id(owner, salt).call() and copied == registry.node_id(copier, salt).call() != nid
    assert (registry.owner_of(nid).call(), registry.owner_of(copied).call()) == (owner, copier)
    raw = "0x" + "ab" * 32
    raw_id, raw_salt = node("register", raw, 4)
    assert raw_salt == bytes.fromhex(raw[2:]) and raw_id == registry.node_id(owner, raw_salt).call()
    assert node("retire", "gpu-9", 4) == (nid, salt)
    assert registry.retired(nid).call() and not registry.retired(copied).call()
    assert_one_line_error(cli("node", "retire", "--node-id", "gpu-9", *where, "--dev-account", "4"),
                          f"node 0x{nid.hex()} is already retired")


def _fund(url: str, address: str) -> None:
    NodeClient(url).dev("anvil_setBalance", address, hex(10**20))


@pytest.mark.parametrize("kind", ["dev-account", "private-key", "keystore"])
def test_each_signer_kind_signs_and_no_secret_is_ever_printed(deployed: Deployed, tmp_path: Path, kind: str) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(deployed.manifest.to_json()))
    net = Network(deployed.url, manifest)
    account = Account.create()
    password = "correct horse battery staple"
    secrets = [account.key.hex(), account.key.hex().removeprefix("0x"), password]
    args: list[str] = []
    env: dict[str, str] = {}
    if kind == "dev-account":
        account, secrets = dev_account(8), [DEV_KEYS[8], DEV_KEYS[8].removeprefix("0x")]
        args = ["--dev-account", "8"]
    elif kind == "private-key":
        env = {"FLYWHEEL_PRIVATE_KEY": account.key.hex()}
    else:
        keystore = tmp_path / "key.json"
        keystore.write_text(json.dumps(Account.encrypt(account.key, password)))
        args, env = ["--keystore", str(keystore)], {"FLYWHEEL_KEYSTORE_PASSWORD": password}
    _fund(deployed.url, account.address)
    out = net("faucet", "--amount", "12.5", *args, env=env).stdout
    assert f"to {account.address}" in out
    usd = deployed.w3.eth.contract(address=deployed.manifest.contracts["payment_token"], abi=_abi("MockUSD"))
    assert usd.functions.balanceOf(account.address).call() == 12_500_000
    # Refusals too: a role the signer lacks, and (keystore) a wrong password.
    net("price", "post", "--usd", "1", *args, env=env, ok=False)
    if kind == "keystore":
        wrong = net("faucet", "--amount", "1", *args, env={"FLYWHEEL_KEYSTORE_PASSWORD": "nope"}, ok=False)
        assert_one_line_error(wrong, "wrong password")
    for output in net.outputs:
        for secret in secrets:
            assert secret.lower() not in output.lower()


def _abi(name: str) -> list:
    from indexer.chain.build import build

    return build()[name].abi
