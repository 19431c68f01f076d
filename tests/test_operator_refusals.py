"""Bad input to the operator commands: one line, a non-zero exit, no traceback, nothing sent, nothing written.

Every case runs in this process against one deployment on an anvil the module starts itself; those
refused before any node is asked also run with no node at all.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.chain import anvil as anvil_mod
from indexer.chain.accounts import DEV_KEYS, dev_account
from indexer.chain.deploy import deploy
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.chain.rpc import NodeClient
from tests.helpers import assert_one_line_error, cli, free_port


@dataclass
class Chain:
    url: str
    manifest: Path
    folder: Path


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """One deployment for the whole matrix: every case must leave it as it found it. It starts anvil, so
    every test using it is marked chain."""
    folder = tmp_path_factory.mktemp("refusals")
    port = free_port()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FLYWHEEL_HOME", str(tmp_path_factory.getbasetemp() / "flywheel-home"))
        url = anvil_mod.start(port).url
        try:
            yield _deploy(url, folder)
        finally:
            anvil_mod.stop(port)


def _deploy(url: str, folder: Path) -> Chain:
    w3, chain_id = connect(url)
    manifest = folder / "m.json"
    manifest.write_text(json.dumps(deploy(w3, chain_id, Params()).to_json()))
    data = json.loads(manifest.read_text())
    (folder / "other-chain.json").write_text(json.dumps(data | {"chain_id": 1}))
    # The same addresses with another genesis: what a fresh deployment on another anvil looks like.
    (folder / "other-genesis.json").write_text(json.dumps(data | {"parameters": data["parameters"] | {"genesis": 7}}))
    (folder / "not-a-keystore.json").write_text('{"hello": 1}')
    taken = cli("node", "register", "--node-id", "taken", "--rpc-url", url, "--deployment", str(manifest), "--dev-account", "4")
    assert taken.returncode == 0, taken.stderr
    return Chain(url, manifest, folder)


ZERO_ID = "0x" + "00" * 32
# (arguments after the command's own --rpc-url and --deployment, what the one line must say); {m} is the folder.
CASES = [
    (["pay", "--amount", "abc"], "must be a number of USD"),
    (["pay", "--amount", "0"], "must be a positive number"),
    (["pay", "--amount", "-3"], "must be a positive number"),
    (["pay", "--amount", "1e400"], "too large"),
    (["pay", "--amount", "0.0000001"], "more than 6 decimals"),
    (["pay", "--amount", "5", "--reference", "x" * 33], "at most 32 fit"),
    (["pay", "--amount", "5", "--dev-account", "9"], "has 0 USD, less than 5 USD"),
    (["faucet", "--amount", "20000000"], "above the faucet's limit"),
    (["price", "post", "--usd", "0"], "must be a positive number"),
    (["price", "post", "--usd", "0.000000001"], "more than 8 decimals"),
    (["price", "post", "--usd", "1", "--dev-account", "3"], "needs the reporter role on PriceFeed"),
    (["node", "register", "--node-id", ""], "must not be empty"),
    (["node", "register", "--node-id", ZERO_ID], "must not be zero"),
    (["node", "register", "--node-id", "0x" + "zz" * 32], "not 64 hex digits"),
    (["node", "register", "--node-id", "0x1234"], "not 64 hex digits"),
    (["node", "register", "--node-id", " gpu-1"], "spaces at its ends"),
    # Account 4 registered "taken" (see _deploy). Ids are derived from the signer and the salt, so only account 4
    # can find it taken; for account 5 the same salt names an id it never registered.
    (["node", "register", "--node-id", "taken", "--dev-account", "4"], "is already registered"),
    (["node", "retire", "--node-id", "never-registered"], "is not registered"),
    (["node", "retire", "--node-id", "taken", "--dev-account", "5"], "is not registered"),
    (["pause", "everything"], "'everything'"),
    (["pause", "payments", "--dev-account", "3"], "needs the guardian role on PaymentGateway"),
    (["pause", "finalization", "--dev-account", "3"], "needs the guardian role on RewardDistributor"),
    (["epoch", "revoke", "--epoch", "0"], "no epoch is finalized yet"),
    (["epoch", "revoke", "--epoch", "-1"], "--epoch"),
    (["chain", "advance"], "exactly one of --seconds N or --to-epoch-end"),
    (["chain", "advance", "--seconds", "5", "--to-epoch-end"], "exactly one of"),
    (["chain", "advance", "--seconds", "0"], "--seconds"),
    (["faucet", "--amount", "1", "--dev-account", "10"], "between 0 and 9"),
    (["faucet", "--amount", "1", "--dev-account", "2", "--keystore", "{m}/k.json"], "not both"),
    (["faucet", "--amount", "1", "--keystore", "{m}/missing.json"], "keystore not found"),
    (["faucet", "--amount", "1", "--keystore", "{m}/not-a-keystore.json"], "not an encrypted JSON keystore"),
    (["status", "--format", "xml"], "'xml'"),
    (["status", "--colour"], "no such option"),
    (["claim", "--account", "nothex"], "not an address"),
    (["epoch", "close", "--epoch", "3", "--through", "2", "--work", "{m}/w.csv"], "--through 2 is before --epoch 3"),
    (["epoch", "close", "--epoch", "0", "--through", "64", "--work", "{m}/w.csv"], "one close takes at most 64"),
]
# Cases whose --rpc-url or --deployment is itself the bad input.
RAW_CASES = [
    (["status", "--deployment", "{m}/missing.json"], "manifest not found"),
    (["status", "--deployment", "{m}/m.json", "--rpc-url", "ftp://127.0.0.1:1"], "must start with http:// or https://"),
    (["status", "--deployment", "{m}/m.json", "--rpc-url", "127.0.0.1:8545"], "did you mean http://127.0.0.1:8545?"),
    (["status", "--deployment", "{m}"], "is a folder, not a file"),
    (["status", "--deployment", "{m}/m.json", "--rpc-url", "http://user:secret@127.0.0.1:1/key"], "cannot reach an RPC node"),
    (["pay", "--amount", "1", "--deployment", "{m}/other-chain.json", "--rpc-url", "{url}"], "chain id mismatch"),
    (["chain", "advance", "--to-epoch-end", "--rpc-url", "{url}"], "--to-epoch-end needs --deployment"),
    (["status", "--deployment", "{m}/other-genesis.json", "--rpc-url", "{url}"], "another deployment at the manifest's addresses"),
]


def _nonces(url: str) -> list[int]:
    node = NodeClient(url)
    return [node.nonce(dev_account(i).address) for i in range(len(DEV_KEYS))]


def _check(chain: Chain, args: list[str], fragment: str, env: dict[str, str] | None = None) -> None:
    workdir = chain.folder / "cwd"
    workdir.mkdir(exist_ok=True)
    before_files, before_nonces = sorted(chain.folder.rglob("*")), _nonces(chain.url)
    with contextlib.chdir(workdir):
        result = cli(*args, env=env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in result.stderr and "secret" not in result.stderr + result.stdout
    assert sorted(chain.folder.rglob("*")) == before_files, "a refused command wrote a file"
    assert _nonces(chain.url) == before_nonces, "a refused command sent a transaction"


@pytest.mark.chain
@pytest.mark.parametrize(("args", "fragment"), CASES, ids=[" ".join(a)[:40] for a, _ in CASES])
def test_bad_operator_input_is_one_line_and_changes_nothing(chain: Chain, args: list[str], fragment: str) -> None:
    filled = [a.replace("{m}", str(chain.folder)) for a in args]
    _check(chain, [*filled, "--rpc-url", chain.url, "--deployment", str(chain.manifest)], fragment)


@pytest.mark.chain
@pytest.mark.parametrize(("args", "fragment"), RAW_CASES, ids=[" ".join(a)[:40] for a, _ in RAW_CASES])
def test_bad_chain_or_manifest_is_one_line_and_changes_nothing(chain: Chain, args: list[str], fragment: str) -> None:
    _check(chain, [a.replace("{m}", str(chain.folder)).replace("{url}", chain.url) for a in args], fragment)


@pytest.mark.chain
def test_a_bad_private_key_is_one_line_without_the_key(chain: Chain) -> None:
    garbage = "0x" + "12" * 31
    _check(chain, ["faucet", "--amount", "1", "--rpc-url", chain.url, "--deployment", str(chain.manifest)],
           "FLYWHEEL_PRIVATE_KEY is not a valid private key", env={"FLYWHEEL_PRIVATE_KEY": garbage})


# Refused by the arguments alone, before the node or the manifest is read.
OFFLINE = {"pause everything", "epoch close --epoch 3 --through 2 --work {m}/w.csv",
           "epoch close --epoch 0 --through 64 --work {m}/w.csv", "epoch revoke --epoch -1", "chain advance", "chain advance --seconds 5 --to-epoch-end",
           "chain advance --seconds 0", "status --format xml", "status --colour", "claim --account nothex"}


@pytest.mark.parametrize(("args", "fragment"), [c for c in CASES if " ".join(c[0]) in OFFLINE],
                         ids=[" ".join(a) for a, _ in CASES if " ".join(a) in OFFLINE])
def test_refusals_that_need_no_node_come_before_one_is_asked(tmp_path: Path, args: list[str], fragment: str) -> None:
    nowhere = ["--rpc-url", f"http://127.0.0.1:{free_port()}", "--deployment", str(tmp_path / "missing.json")]
    assert_one_line_error(cli(*args, *nowhere), fragment)
    assert list(tmp_path.iterdir()) == []
