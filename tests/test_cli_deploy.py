"""`flywheel chain` and `flywheel deploy` through the installed command line against a real anvil; the refusals
that come before any chain is reached in this process."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from web3 import Web3

from indexer.chain.accounts import DEV_KEYS, dev_account
from indexer.chain.system import role_id
from tests.helpers import assert_one_line_error, cli, contracts_of, free_port, run


@pytest.fixture
def chain_port() -> int:
    port = free_port()
    yield port
    run("chain", "down", "--port", str(port))


def test_chain_up_status_down(chain_port: int) -> None:
    up = run("chain", "up", "--port", str(chain_port))
    assert up.returncode == 0, up.stderr
    status = run("chain", "status", "--port", str(chain_port))
    assert status.returncode == 0 and "chain id 31337" in status.stdout and "started by flywheel" in status.stdout

    again = run("chain", "up", "--port", str(chain_port))
    assert_one_line_error(again, f"port {chain_port}")

    down = run("chain", "down", "--port", str(chain_port))
    assert down.returncode == 0 and "stopped" in down.stdout
    assert run("chain", "status", "--port", str(chain_port)).returncode != 0


def test_deploy_through_cli_gives_manifest_whose_contracts_answer(chain_port: int, tmp_path: Path) -> None:
    assert run("chain", "up", "--port", str(chain_port)).returncode == 0
    out = tmp_path / "m.json"
    params = tmp_path / "params.toml"
    params.write_text('epoch_length = 600\nfee_bps = 250\ninitial_emission = "5000000000000000000000"\n')
    # No --rpc-url: the command finds the chain that `chain up` started.
    result = run("deploy", "--params", str(params), "--out", str(out))
    assert result.returncode == 0, result.stderr
    m = json.loads(out.read_text())
    assert m["chain_id"] == 31337 and m["payment_decimals"] == 6
    assert m["parameters"]["epoch_length"] == 600 and m["parameters"]["fee_bps"] == 250
    assert m["parameters"]["root_delay"] == 0  # the local chain's default, written as resolved
    assert m["parameters"]["initial_emission"] == "5000000000000000000000"

    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{chain_port}"))
    c = m["contracts"]
    bound = contracts_of(w3, m)
    token, usd, gateway, dist, registry, feed = (bound[k] for k in (
        "network_token", "payment_token", "payment_gateway", "reward_distributor", "node_registry", "price_feed"))
    deployer = dev_account(0).address

    assert token.functions.MINTER().call() == c["reward_distributor"]
    assert token.functions.MAX_SUPPLY().call() == int(m["parameters"]["max_supply"])
    assert dist.functions.NETWORK_TOKEN().call() == c["network_token"]
    assert dist.functions.GATEWAY().call() == c["payment_gateway"]
    assert dist.functions.PRICE_FEED().call() == c["price_feed"]
    assert dist.functions.emission(0).call() == 5000 * 10**18
    assert dist.functions.EPOCH_LENGTH().call() == 600
    assert dist.functions.GENESIS().call() == m["parameters"]["genesis"]
    assert dist.functions.hasRole(role_id("reporter"), m["roles"]["reporter"]).call()
    assert dist.functions.hasRole(role_id("guardian"), m["roles"]["guardian"]).call()
    assert feed.functions.hasRole(role_id("reporter"), m["roles"]["reporter"]).call()
    assert gateway.functions.distributor().call() == c["reward_distributor"]
    assert gateway.functions.fee_bps().call() == 250
    assert gateway.functions.treasury().call() == m["roles"]["treasury"]
    assert registry.functions.EPOCH_LENGTH().call() == 600
    assert usd.functions.decimals().call() == 6
    assert m["deploy_block"] <= w3.eth.get_transaction_receipt(
        w3.eth.get_block(m["deploy_block"])["transactions"][0])["blockNumber"]


def test_deploy_refuses_existing_out_without_force(chain_port: int, tmp_path: Path) -> None:
    assert run("chain", "up", "--port", str(chain_port)).returncode == 0
    out = tmp_path / "m.json"
    out.write_text("keep me")
    url = f"http://127.0.0.1:{chain_port}"
    assert_one_line_error(run("deploy", "--rpc-url", url, "--out", str(out)), "--force")
    assert out.read_text() == "keep me"
    assert Web3(Web3.HTTPProvider(url)).eth.get_transaction_count(dev_account(0).address) == 0  # nothing sent
    assert run("deploy", "--rpc-url", url, "--out", str(out), "--force").returncode == 0
    assert json.loads(out.read_text())["chain_id"] == 31337


def test_deploy_to_unreachable_rpc(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    result = cli("deploy", "--rpc-url", f"http://127.0.0.1:{free_port()}", "--out", str(out))
    assert_one_line_error(result, "cannot reach an RPC node")
    assert not out.exists()


def test_deploy_to_something_that_is_not_a_node(tmp_path: Path) -> None:
    class NotANode(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotANode)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = tmp_path / "m.json"
        result = cli("deploy", "--rpc-url", f"http://user:secret@127.0.0.1:{server.server_port}/?key=apikey", "--out", str(out))
        assert_one_line_error(result, "did not answer eth_chainId like a JSON-RPC node")
        assert "secret" not in result.stderr and "apikey" not in result.stderr
        assert not out.exists()
    finally:
        server.shutdown()


def test_deploy_without_a_chain_running(tmp_path: Path) -> None:
    result = cli("deploy", "--out", str(tmp_path / "m.json"), env={"FLYWHEEL_HOME": str(tmp_path / "empty-home")})
    assert_one_line_error(result, "flywheel chain up")


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("colour = 3\n", "unknown key 'colour'"),
        ("fee_bps = 10001\n", "fee_bps must be between 0 and 10000"),
        ("epoch_length = 0\n", "epoch_length must be positive"),
        ("epoch_length = 600\nroot_delay = 600\n", "root_delay must be between 0 and 599, less than epoch_length"),
        ("decay_period = 0\n", "decay_period must be positive"),
        ("decay_bps = 20000\n", "decay_bps must be between 0 and 10000"),
        ("max_supply = 0\n", "max_supply must be between"),
        ('initial_emission = "1"\nmax_supply = "0"\n', "max_supply must be between"),
        ("epoch_length = 'soon'\n", "epoch_length must be an integer"),
        ("treasury = '0x1234'\n", "treasury is not an address"),
        ("fee_bps = \n", "is not valid TOML"),
    ],
)
def test_deploy_rejects_invalid_params(tmp_path: Path, toml: str, fragment: str) -> None:
    params = tmp_path / "p.toml"
    params.write_text(toml)
    out = tmp_path / "m.json"
    # The params are checked before any connection is made, so no chain is needed.
    result = cli("deploy", "--rpc-url", f"http://127.0.0.1:{free_port()}", "--params", str(params), "--out", str(out))
    assert_one_line_error(result, fragment)
    assert not out.exists()


def test_private_key_is_used_and_never_shown(chain_port: int, tmp_path: Path) -> None:
    assert run("chain", "up", "--port", str(chain_port)).returncode == 0
    out = tmp_path / "m.json"
    key = DEV_KEYS[3]
    result = run("deploy", "--rpc-url", f"http://127.0.0.1:{chain_port}", "--out", str(out), env={"FLYWHEEL_PRIVATE_KEY": key})
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["roles"]["admin"] == dev_account(3).address
    assert key[2:] not in result.stdout + result.stderr

    bad = run("deploy", "--rpc-url", f"http://127.0.0.1:{chain_port}", "--out", str(tmp_path / "n.json"),
              env={"FLYWHEEL_PRIVATE_KEY": "0xnot-a-key-but-secret"})
    assert_one_line_error(bad, "FLYWHEEL_PRIVATE_KEY is not a valid private key")
    assert "secret" not in bad.stderr
