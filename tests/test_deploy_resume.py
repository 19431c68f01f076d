"""`flywheel deploy` checks everything before its first transaction, and finishes a deployment that stopped.

The node "dies" part-way through a real deployment on a real anvil: a small
proxy forwards JSON-RPC until it has passed a given number of transactions,
then answers nothing but HTTP 503, either refusing the next transaction or
forwarding it and losing the answer (the case a journal cannot record).
`--resume` must then finish on the node itself, reusing every contract and
never sending a step twice: the signer's nonce and the contract creations
on chain are counted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
import requests
from web3 import Web3

from indexer.chain.accounts import dev_account
from indexer.chain.system import role_id
from tests.conftest import Anvil
from tests.helpers import assert_one_line_error, cli, contracts_of

DEPLOYER = dev_account(0).address
TRANSACTIONS = 11  # six creations and five wiring calls with the default parameters
CREATIONS = 6


class DyingNode:
    """Forwards JSON-RPC to `upstream` (whatever the URL's path, query or credentials) until `allow`
    transactions have gone through; from then on every request gets HTTP 503. With `lose_next`,
    the transaction after those is forwarded first, so it is mined while its sender hears nothing."""

    def __init__(self, upstream: str, allow: int, lose_next: bool = False) -> None:
        self.upstream = upstream
        self.allow = allow
        self.lose_next = lose_next
        self.sent = 0
        self.dead = False
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _forward(self, body: bytes) -> bytes | None:
        """The upstream answer, or None once the node is dead."""
        calls = orjson.loads(body)
        sends = sum(c.get("method") == "eth_sendRawTransaction" for c in (calls if isinstance(calls, list) else [calls]))
        with self._lock:
            if self.dead:
                return None
            if self.sent + sends > self.allow:
                self.dead = True
                if not self.lose_next:
                    return None
                requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                return None
            self.sent += sends
        return requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30).content

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                answer = node._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                status, body = (200, answer) if answer is not None else (503, b"node gone")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dying(anvil: Anvil) -> Iterator[list[DyingNode]]:
    nodes: list[DyingNode] = []
    yield nodes
    for node in nodes:
        node.close()


def nonce(anvil: Anvil, address: str = DEPLOYER) -> int:
    return Web3(Web3.HTTPProvider(anvil.url)).eth.get_transaction_count(address)


def creations(anvil: Anvil) -> int:
    """Contract-creation transactions on the whole chain."""
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    blocks = (w3.eth.get_block(n, full_transactions=True) for n in range(w3.eth.block_number + 1))
    return sum(tx["to"] is None for block in blocks for tx in block["transactions"])


def assert_wired(anvil: Anvil, m: dict) -> None:
    """The finished system: the distributor the token's minter, the gateway pointed at it, roles granted."""
    c = m["contracts"]
    bound = contracts_of(Web3(Web3.HTTPProvider(anvil.url)), m)
    token, gateway, dist, feed = (bound[k] for k in ("network_token", "payment_gateway", "reward_distributor", "price_feed"))
    assert token.functions.MINTER().call() == c["reward_distributor"]
    assert dist.functions.NETWORK_TOKEN().call() == c["network_token"]
    assert gateway.functions.distributor().call() == c["reward_distributor"]
    assert feed.functions.hasRole(role_id("reporter"), DEPLOYER).call()
    assert dist.functions.hasRole(role_id("reporter"), DEPLOYER).call()
    assert dist.functions.hasRole(role_id("guardian"), DEPLOYER).call()
    assert gateway.functions.hasRole(role_id("guardian"), DEPLOYER).call()
    assert dist.functions.GATEWAY().call() == c["payment_gateway"]


@pytest.mark.parametrize(
    ("allow", "lose_next", "stopped_at"),
    [
        (7, False, "PriceFeed.grantRole(REPORTER_ROLE)"),  # the node goes away between two wiring calls
        (2, True, "NodeRegistry"),  # a creation is mined but its answer is lost
        # The token names the distributor's address ahead: the distributor lost at creation is found there.
        (5, True, "RewardDistributor"),
        (6, True, "PaymentGateway.set_distributor"),  # an irreversible call is mined but its answer is lost
    ],
)
def test_a_deploy_that_stops_part_way_is_finished_by_resume(
        anvil: Anvil, dying: list[DyingNode], tmp_path: Path, allow: int, lose_next: bool, stopped_at: str) -> None:
    node = DyingNode(anvil.url, allow, lose_next)
    dying.append(node)
    out = tmp_path / "deploy" / "m.json"
    journal = tmp_path / "deploy" / "m.json.journal"
    secret_url = f"http://user:hunter2@127.0.0.1:{node.port}/v2/KEY123?apikey=zzz"

    failed = cli("deploy", "--rpc-url", secret_url, "--out", str(out))
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: deploy stopped at {stopped_at}: "), last
    assert f"journal: {journal}" in last and f"flywheel deploy --resume {journal} --out {out}" in last
    assert "MockUSD 0x" in last and ("NetworkToken 0x" in last) == (allow > 4)
    assert f"chain 31337 at http://127.0.0.1:{node.port}/…" in failed.stderr
    for secret in ("hunter2", "KEY123", "zzz"):
        assert secret not in failed.stderr
    assert not out.exists()
    recorded = json.loads(journal.read_text())
    assert recorded["chain_id"] == 31337 and recorded["signer"] == DEPLOYER
    assert recorded["params"]["genesis"] > 0 and recorded["params"]["epoch_length"] == 3600
    assert recorded["params"]["root_delay"] == 0  # resolved for the local chain, so a resume deploys the same
    assert len(recorded["steps"]) == allow and recorded["pending"]["step"] == stopped_at
    assert nonce(anvil) == allow + lose_next
    journaled = {s["contract"]: s["address"] for s in recorded["steps"] if "address" in s}

    finished = cli("deploy", "--resume", str(journal), "--rpc-url", anvil.url, "--out", str(out))
    assert finished.returncode == 0, finished.stderr
    assert f"chain 31337 at http://127.0.0.1:{anvil.port}" in finished.stderr
    assert f"resuming {journal}" in finished.stderr
    assert (f"{stopped_at} was mined before the last run stopped" in finished.stderr) == lose_next
    assert nonce(anvil) == TRANSACTIONS  # no step sent twice
    assert creations(anvil) == CREATIONS  # no contract deployed twice
    assert not journal.exists()
    m = json.loads(out.read_text())
    assert journaled and all(m["contracts"][key] == address for key, address in journaled.items())
    assert m["parameters"]["genesis"] == recorded["params"]["genesis"]
    assert m["deploy_block"] == 1
    assert_wired(anvil, m)


def test_a_resume_after_the_signer_moved_on_is_refused_before_the_distributor(
        anvil: Anvil, dying: list[DyingNode], tmp_path: Path) -> None:
    """The token names the distributor at the next nonce; once the signer sent something else, no distributor
    can ever be created there, and the resume says so at the estimate instead of creating a useless one."""
    node = DyingNode(anvil.url, 5)
    dying.append(node)
    out, journal = tmp_path / "m.json", tmp_path / "m.json.journal"
    assert cli("deploy", "--rpc-url", f"http://127.0.0.1:{node.port}", "--out", str(out)).returncode == 1
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    w3.eth.send_transaction({"from": DEPLOYER, "to": DEPLOYER, "value": 1})
    resumed = cli("deploy", "--resume", str(journal), "--rpc-url", anvil.url, "--out", str(out))
    assert_one_line_error(resumed, "deploying RewardDistributor would revert: distributor: not the token's minter")
    assert nonce(anvil) == 6 and creations(anvil) == 5 and not out.exists()


def test_out_that_cannot_be_written_is_refused_before_any_transaction(anvil: Anvil) -> None:
    # Root may write almost anywhere a chmod would forbid; /sys refuses even root.
    result = cli("deploy", "--rpc-url", anvil.url, "--out", "/sys/m.json")
    assert_one_line_error(result, "cannot write --out /sys/m.json")
    assert nonce(anvil) == 0


def test_a_signer_that_cannot_pay_is_refused_before_any_transaction(anvil: Anvil, tmp_path: Path) -> None:
    key = "0x" + "11" * 32
    result = cli("deploy", "--rpc-url", anvil.url, "--out", str(tmp_path / "m.json"), env={"FLYWHEEL_PRIVATE_KEY": key})
    assert_one_line_error(result, "cannot pay for the deployment: it needs about ")
    assert " ETH (11 transactions at " in result.stderr and "and has 0 ETH" in result.stderr
    assert key[2:] not in result.stderr
    assert nonce(anvil) == 0 and creations(anvil) == 0
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.json.journal").exists()


@pytest.mark.parametrize(("toml", "fragment"), [
    ('treasury = "0x0000000000000000000000000000000000000000"\n',
     "deploying PaymentGateway would revert: gateway: zero treasury"),
    # Hour-long epochs from 1970: the chain would be far past the last epoch that takes payments.
    ("genesis = 0\n", "params: genesis must be between "),
])
def test_parameters_that_do_not_fit_the_chain_are_refused_before_any_transaction(
        anvil: Anvil, tmp_path: Path, toml: str, fragment: str) -> None:
    params = tmp_path / "p.toml"
    params.write_text(toml)
    result = cli("deploy", "--rpc-url", anvil.url, "--params", str(params), "--out", str(tmp_path / "m.json"))
    assert_one_line_error(result, fragment)
    assert nonce(anvil) == 0
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.json.journal").exists()


def test_resume_refuses_another_signer_and_a_chain_without_the_contracts(
        anvil: Anvil, dying: list[DyingNode], tmp_path: Path) -> None:
    node = DyingNode(anvil.url, 2)
    dying.append(node)
    out = tmp_path / "m.json"
    journal = tmp_path / "m.json.journal"
    assert cli("deploy", "--rpc-url", f"http://127.0.0.1:{node.port}", "--out", str(out)).returncode == 1
    assert nonce(anvil) == 2

    other = cli("deploy", "--resume", str(journal), "--rpc-url", anvil.url, "--out", str(out), "--dev-account", "1")
    assert_one_line_error(other, f"was signed by {DEPLOYER}")
    both = cli("deploy", "--resume", str(journal), "--params", str(tmp_path / "p.toml"), "--out", str(out))
    assert_one_line_error(both, "--params cannot be used with --resume")
    again = cli("deploy", "--rpc-url", anvil.url, "--out", str(out))
    assert_one_line_error(again, f"flywheel deploy --resume {journal} --out {out}")
    assert nonce(anvil) == 2 and nonce(anvil, dev_account(1).address) == 0

    # The same journal against a chain that never saw its contracts (a reset anvil, say).
    recorded = json.loads(journal.read_text())
    recorded["steps"][0]["address"] = "0x" + "ab" * 20
    journal.write_text(json.dumps(recorded))
    gone = cli("deploy", "--resume", str(journal), "--rpc-url", anvil.url, "--out", str(out))
    assert_one_line_error(gone, "has no code on chain 31337")
    assert nonce(anvil) == 2
