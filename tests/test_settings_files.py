"""The typed settings files (deploy params, simulate scenario, indexer config) and the manifest: good values,
every bound, unknown keys, wrong types and uint256 amounts as exact decimal text. No chain, no database."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from indexer import structs
from indexer.chain import manifest, params
from indexer.chain.epochs import Epochs
from indexer.chain.params import MAX_AMOUNT, MAX_EPOCHS, MAX_GENESIS_AHEAD, TOKEN, Params
from indexer.chain.system import KEYS
from indexer.errors import FlywheelError
from indexer.ingest import config
from indexer.ingest.config import IndexerConfig
from indexer.paths import CONTRACTS_DIR
from indexer.sim import scenario
from indexer.sim.scenario import Scenario

A = "0x" + "ab" * 20
CHECKSUMMED = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
UINT256_MAX = 2**256 - 1


def refused(parse, data: object, message: str) -> None:
    with pytest.raises(FlywheelError) as caught:
        parse(data)
    assert str(caught.value) == message


# --- deploy parameters ------------------------------------------------------------------------


def test_params_defaults_and_every_field() -> None:
    assert params.parse({}) == Params()
    p = params.parse({
        "genesis": 1_700_000_000, "epoch_length": "3_600", "initial_emission": "5000000000000000000000",
        "decay_bps": 0, "decay_period": 1, "max_supply": str(MAX_AMOUNT), "fee_bps": 10_000, "root_delay": 0,
        "max_price_age": 1, "token_name": "x" * 25, "token_symbol": "ABCDE", "payment_token": A, "treasury": A,
        "reporter": A.upper().replace("0X", "0x"), "guardian": CHECKSUMMED,
    })
    assert (p.genesis, p.epoch_length, p.initial_emission, p.max_supply) == (1_700_000_000, 3600, 5000 * TOKEN, MAX_AMOUNT)
    assert (p.decay_bps, p.fee_bps, p.token_name, p.token_symbol) == (0, 10_000, "x" * 25, "ABCDE")
    assert {p.payment_token, p.treasury, p.reporter, p.guardian} == {CHECKSUMMED}
    assert params.parse({"initial_emission": "7", "max_supply": "7"}).initial_emission == 7  # the whole supply at once


@pytest.mark.parametrize(("data", "message"), [
    ({"epoch_length": 0}, "epoch_length must be positive"),
    ({"decay_period": 0}, "decay_period must be positive"),
    ({"max_price_age": 0}, "max_price_age must be positive"),
    ({"decay_bps": -1}, "decay_bps must be between 0 and 10000"),
    ({"decay_bps": 10_001}, "decay_bps must be between 0 and 10000"),
    ({"fee_bps": -1}, "fee_bps must be between 0 and 10000"),
    ({"fee_bps": 10_001}, "fee_bps must be between 0 and 10000"),
    ({"genesis": -1}, "genesis must not be negative"),
    ({"root_delay": -1}, "root_delay must not be negative"),
    ({"root_delay": 3600}, "root_delay must be between 0 and 3599, less than epoch_length: "
                           "each epoch is finalized only after the previous root's delay"),
    ({"epoch_length": 60, "root_delay": 10**6}, "root_delay must be between 0 and 59, less than epoch_length: "
                                               "each epoch is finalized only after the previous root's delay"),
    ({"max_supply": 0}, f"max_supply must be between 1 and {MAX_AMOUNT}"),
    ({"max_supply": str(MAX_AMOUNT + 1)}, f"max_supply must be between 1 and {MAX_AMOUNT}"),
    ({"initial_emission": -1}, "initial_emission must be between 0 and max_supply"),
    ({"initial_emission": "8", "max_supply": "7"}, "initial_emission must be between 0 and max_supply"),
    ({"token_name": ""}, "token_name must be 1 to 25 characters"),
    ({"token_name": "x" * 26}, "token_name must be 1 to 25 characters"),
    ({"token_symbol": ""}, "token_symbol must be 1 to 5 characters"),
    ({"token_symbol": "SIXSIX"}, "token_symbol must be 1 to 5 characters"),
])
def test_params_bounds(data: dict, message: str) -> None:
    refused(params.parse, data, f"params: {message}")


@pytest.mark.parametrize(("data", "message"), [
    ({"epoch_length": "soon"}, "epoch_length must be an integer, not 'soon'"),
    ({"epoch_length": 600.0}, "epoch_length must be an integer, not 600.0"),
    ({"epoch_length": True}, "epoch_length must be an integer, not True"),
    ({"epoch_length": "-5"}, "epoch_length must be an integer, not '-5'"),
    # Decimal text only: an exponent would go through a float and lose the low digits.
    ({"max_supply": "1e21"}, "max_supply must be an integer, not '1e21'"),
    ({"max_supply": " 5"}, "max_supply must be an integer, not ' 5'"),
    ({"genesis": [1]}, "genesis must be an integer, not [1]"),
    ({"token_name": 3}, "token_name must be a string, not 3"),
    ({"treasury": "0x1234"}, "treasury is not an address: '0x1234'"),
    ({"guardian": 5}, "guardian is not an address: 5"),
    ({"reporter": A + "ab"}, f"reporter is not an address: '{A}ab'"),
])
def test_params_types(data: dict, message: str) -> None:
    refused(params.parse, data, f"params: {message}")


def test_params_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(FlywheelError, match=r"^params: unknown key 'colour' \(known: decay_bps, decay_period, "):
        params.parse({"colour": 3})


def test_uint256_text_is_read_exactly() -> None:
    assert structs.ints_from_text({"max_supply": str(UINT256_MAX)}, Params) == {"max_supply": UINT256_MAX}
    big = "1" * 33 + "7"  # past 2**64 and past a float's 53 bits: any rounding shows in the last digit
    assert params.parse({"max_supply": big, "initial_emission": big}).initial_emission == int(big)
    assert params.parse({"max_supply": 10**30 + 1}).max_supply == 10**30 + 1  # an integer the file wrote as one


def test_params_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('epoch_length = 600\nmax_supply = "5192296858534827628530496329220095"\n')
    assert params.load(path).max_supply == MAX_AMOUNT
    assert params.load(None) == Params()
    path.write_text("fee_bps = 10001\n")
    with pytest.raises(FlywheelError, match="^params: fee_bps must be between 0 and 10000$"):
        params.load(path)


# --- deploy parameters against the chain --------------------------------------------------------

NOW = 1_765_000_000  # the chain's latest block time in these tests
HOUR = 3600


def test_unset_genesis_and_root_delay_are_resolved_for_the_chain() -> None:
    assert Params().genesis is None and Params().root_delay is None
    local = params.resolve(Params(), local=True, now=NOW)
    assert (local.genesis, local.root_delay) == (NOW, 0)  # a demo claims at once
    remote = params.resolve(Params(), local=False, now=NOW)
    assert (remote.genesis, remote.root_delay) == (NOW, HOUR // 4)
    assert params.resolve(Params(epoch_length=600), local=False, now=NOW).root_delay == 150
    # What the file sets is kept, on either kind of chain.
    chosen = Params(genesis=NOW + 60, root_delay=7)
    assert params.resolve(chosen, local=False, now=NOW) == params.resolve(chosen, local=True, now=NOW) == chosen
    assert params.resolve(Params(root_delay=0), local=True, now=NOW).root_delay == 0
    # The manifest records the values resolved, never "unset".
    written = params.resolve(Params(), local=False, now=NOW).to_manifest()
    assert (written["genesis"], written["root_delay"]) == (NOW, HOUR // 4)


def test_a_root_delay_of_zero_is_refused_off_the_local_chain() -> None:
    message = ("params: root_delay must be between 1 and 3599 off the local chain: "
               "a root with no delay takes effect at once and cannot be revoked")
    refused(lambda p: params.resolve(p, local=False, now=NOW), Params(root_delay=0), message)
    # Epochs too short for a quarter to be a whole second leave no default delay either.
    refused(lambda p: params.resolve(p, local=False, now=NOW), Params(epoch_length=3), message.replace("3599", "2"))


def genesis_refusal(epoch_length: int) -> str:
    earliest, latest = max(0, NOW - MAX_EPOCHS * epoch_length + 1), NOW + MAX_GENESIS_AHEAD
    return (f"params: genesis must be between {earliest} and {latest} (the chain's time is {NOW}): no later than a "
            f"year ahead, and recent enough that epoch {MAX_EPOCHS}, from which the contracts refuse payments, "
            "has not begun")


@pytest.mark.parametrize(("genesis", "epoch_length"), [
    (0, HOUR),  # today would be epoch 490,277: every payment refused from the first block
    (NOW - MAX_EPOCHS * 60, 60),  # the chain has just entered epoch MAX_EPOCHS
    (NOW - MAX_EPOCHS * HOUR, HOUR),
    (NOW + MAX_GENESIS_AHEAD + 1, HOUR),
    (NOW * 1000, HOUR),  # milliseconds for seconds
])
def test_a_genesis_that_does_not_fit_the_chains_time_is_refused(genesis: int, epoch_length: int) -> None:
    p = Params(genesis=genesis, epoch_length=epoch_length)
    for local in (True, False):
        refused(lambda p: params.resolve(p, local=local, now=NOW), p, genesis_refusal(epoch_length))


@pytest.mark.parametrize(("genesis", "epoch_length"), [
    (NOW - MAX_EPOCHS * HOUR + 1, HOUR),  # the chain is in the last epoch that takes payments
    (NOW - MAX_EPOCHS * 60 + 1, 60),
    (0, NOW // MAX_EPOCHS + 1),  # epochs long enough reach back to 1970
    (NOW, HOUR),
    (NOW + MAX_GENESIS_AHEAD, HOUR),
])
def test_a_genesis_within_the_bounds_is_kept(genesis: int, epoch_length: int) -> None:
    p = Params(genesis=genesis, epoch_length=epoch_length, root_delay=1)
    assert params.resolve(p, local=False, now=NOW).genesis == genesis
    assert (NOW - genesis) // epoch_length < MAX_EPOCHS


def test_the_epoch_bound_is_the_contracts() -> None:
    declared = re.search(r"^MAX_EPOCHS: constant\(uint256\) = ([0-9_]+)$", (CONTRACTS_DIR / "epoch_clock.vy").read_text(),
                         re.MULTILINE)
    assert declared and int(declared.group(1)) == MAX_EPOCHS


# --- simulate scenario ------------------------------------------------------------------------


def test_scenario_defaults_and_good_values() -> None:
    assert scenario.parse({}) == Scenario()
    s = scenario.parse({"contributors": 3, "initial_contributors": 3, "adoption_midpoint": 2, "churn_bps": 10_000,
                        "work_per_node_min": 5, "work_per_node_max": 5, "start_demand_vs_subsidy": 0,
                        "peak_demand_vs_subsidy": 0, "price_drift_bps": -5_000, "price_volatility_bps": 5_000,
                        "wash_self_dealers": 3, "wash_funded": 0, "initial_price": 1.25})
    assert s.adoption_midpoint == 2.0 and isinstance(s.adoption_midpoint, float)
    assert s.initial_price == "1.25" and s.initial_price_units() == 125_000_000
    assert scenario.parse({"initial_price": "0.00000001"}).initial_price_units() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"contributors": 0}, "contributors must be at least 1"),
    ({"initial_contributors": 0}, "initial_contributors must be at least 1"),
    ({"initial_contributors": 201}, "initial_contributors must be between 1 and contributors"),
    ({"max_nodes_per_contributor": 0}, "max_nodes_per_contributor must be at least 1"),
    ({"churn_bps": 10_001}, "churn_bps must be between 0 and 10000"),
    ({"work_per_node_min": 0}, "work_per_node_min must be at least 1"),
    ({"work_per_node_min": 121}, "work_per_node_min must be between 1 and work_per_node_max"),
    ({"customers": 0}, "customers must be at least 1"),
    ({"start_demand_vs_subsidy": -0.5}, "start_demand_vs_subsidy must not be negative"),
    ({"peak_demand_vs_subsidy": 0.001},
     "demand ratios must satisfy 0 <= start_demand_vs_subsidy <= peak_demand_vs_subsidy"),
    ({"adoption_steepness": 0}, "adoption_steepness must be a positive number"),
    ({"demand_steepness": -1}, "demand_steepness must be a positive number"),
    ({"max_payments_per_customer": 0}, "max_payments_per_customer must be at least 1"),
    ({"claim_every": 0}, "claim_every must be at least 1"),
    ({"wash_self_dealers": -1}, "wash_self_dealers must not be negative"),
    ({"wash_self_dealers": 7}, "wash_self_dealers must be between 0 and initial_contributors"),
    ({"wash_funded": 7}, "wash_funded must be between 0 and initial_contributors"),
    ({"wash_share_bps": 10_001}, "wash_share_bps must be between 0 and 10000"),
    ({"price_drift_bps": 5_001}, "price_drift_bps must be between -5000 and 5000"),
    ({"price_drift_bps": -5_001}, "price_drift_bps must be between -5000 and 5000"),
    ({"price_volatility_bps": -1}, "price_volatility_bps must be between 0 and 5000"),
    ({"initial_price": "free"}, "initial_price must be a positive decimal, not 'free'"),
    ({"initial_price": "0"}, "initial_price must be a positive decimal, not '0'"),
    ({"initial_price": "0.000000001"}, "initial_price must be a positive decimal, not '0.000000001'"),
    ({"initial_price": "Infinity"}, "initial_price must be a positive decimal, not 'Infinity'"),
    ({"contributors": "5"}, "contributors must be an integer, not '5'"),
    ({"contributors": 5.0}, "contributors must be an integer, not 5.0"),
    ({"demand_midpoint": "soon"}, "demand_midpoint must be a number, not 'soon'"),
    ({"colour": 1}, "unknown key 'colour' (known: " + ", ".join(sorted(Scenario.__struct_fields__)) + ")"),
])
def test_scenario_refusals(data: dict, message: str) -> None:
    refused(scenario.parse, data, f"scenario: {message}")


# --- indexer config ---------------------------------------------------------------------------


def load_config(tmp_path: Path, text: str, env: dict | None = None, flags: dict | None = None) -> IndexerConfig:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return config.load(path, env or {}, flags or {})


def test_config_good_values_and_precedence(tmp_path: Path) -> None:
    assert config.load(None, {}, {}) == IndexerConfig()
    c = load_config(tmp_path, 'rpc_url = "http://file"\ndatabase_url = "sqlite:///f.db"\ndeployment = "m.json"\n'
                              'store = "m.settlement"\n'
                              "confirmations = 0\npoll_interval = 2\nbatch_blocks = 7\nmax_batch_blocks = 7\n"
                              "reorg_window = 1\nmetrics_port = 65535\nrpc_retries = 0\nrpc_timeout = 0.5\n",
                    env={"FLYWHEEL_DATABASE_URL": "sqlite:///env.db", "FLYWHEEL_RPC_URL": "http://env"},
                    flags={"rpc_url": "http://flag", "confirmations": None})
    assert (c.rpc_url, c.database_url, c.deployment) == ("http://flag", "sqlite:///env.db", str(tmp_path / "m.json"))
    assert (c.confirmations, c.poll_interval, c.batch_blocks, c.max_batch_blocks) == (0, 2.0, 7, 7)
    assert (c.reorg_window, c.metrics_port, c.rpc_retries, c.rpc_timeout) == (1, 65535, 0, 0.5)
    assert isinstance(c.poll_interval, float)
    assert c.store == str(tmp_path / "m.settlement")  # found beside the file, as the manifest is


@pytest.mark.parametrize(("text", "flags", "message"), [
    ("confirmations = -1\n", {}, "confirmations must not be negative"),
    ("rpc_retries = -1\n", {}, "rpc_retries must not be negative"),
    ("poll_interval = 0\n", {}, "poll_interval must be a positive number"),
    ("rpc_timeout = -1.5\n", {}, "rpc_timeout must be a positive number"),
    ("batch_blocks = 0\n", {}, "batch_blocks must be at least 1"),
    ("reorg_window = 0\n", {}, "reorg_window must be at least 1"),
    ("max_batch_blocks = 10\n", {}, "need 1 <= batch_blocks <= max_batch_blocks"),
    ("metrics_port = 0\n", {}, "metrics_port must be between 1 and 65535"),
    ("metrics_port = 65536\n", {}, "metrics_port must be between 1 and 65535"),
    ('rpc_url = ""\n', {}, "rpc_url must be a non-empty string"),
    ("rpc_url = 5\n", {}, "rpc_url must be a string, not 5"),
    ('confirmations = "3"\n', {}, "confirmations must be an integer, not '3'"),
    ('poll_interval = "fast"\n', {}, "poll_interval must be a number, not 'fast'"),
    ("colour = 1\n", {}, "unknown key 'colour' (known: " + ", ".join(sorted(IndexerConfig.__struct_fields__)) + ")"),
    ("", {"database_url": ""}, "database_url must be a non-empty string"),  # flags are held to the same rules
    ("", {"batch_blocks": 30_000}, "need 1 <= batch_blocks <= max_batch_blocks"),
    # The file's own mistake is named even when a flag overrides the key.
    ("confirmations = -1\n", {"confirmations": 3}, "confirmations must not be negative"),
])
def test_config_refusals(tmp_path: Path, text: str, flags: dict, message: str) -> None:
    refused(lambda _: load_config(tmp_path, text, flags=flags), None, f"config: {message}")


# --- manifest ---------------------------------------------------------------------------------


def manifest_json() -> dict:
    return {
        "version": 1, "chain_id": 31337, "deploy_block": 3, "contracts": {k: A for k in KEYS},
        "parameters": {"genesis": 1_700_000_000, "epoch_length": 3600, "initial_emission": str(UINT256_MAX),
                       "decay_bps": 500, "decay_period": 4, "max_supply": str(UINT256_MAX), "fee_bps": 500,
                       "root_delay": 0, "max_price_age": 86_400},
        "payment_decimals": 6, "payment_token_is_mock": True, "roles": {"admin": A},
    }


def test_manifest_round_trip_is_exact() -> None:
    m = manifest.from_json(manifest_json())
    assert m.parameters["max_supply"] == UINT256_MAX and set(m.contracts) == set(KEYS)
    assert set(m.contracts.values()) == {CHECKSUMMED} and m.roles == {"admin": CHECKSUMMED}
    assert manifest.from_json(m.to_json()) == m
    assert m.epochs == Epochs(1_700_000_000, 3600)
    later = {**manifest_json(), "added_later": 1, "roles": None}  # a later version's field; no roles
    assert manifest.from_json(later).roles == {}


def _edit(change) -> dict:
    data = copy.deepcopy(manifest_json())
    change(data)
    return data


@pytest.mark.parametrize(("data", "message"), [
    ([], "not a JSON object"),
    (_edit(lambda d: d.pop("chain_id")), "missing 'chain_id'"),
    (_edit(lambda d: d["contracts"].pop("node_registry")), "missing contract 'node_registry'"),
    (_edit(lambda d: d["contracts"].update(price_feed="0x12")), "contract 'price_feed' is not an address"),
    (_edit(lambda d: d["contracts"].update(price_feed=5)), "contract 'price_feed' is not an address"),
    (_edit(lambda d: d.update(contracts=[])), "'contracts' is not an object"),
    (_edit(lambda d: d.update(parameters=3)), "'parameters' is not an object"),
    (_edit(lambda d: d["parameters"].pop("fee_bps")), "missing parameter 'fee_bps'"),
    (_edit(lambda d: d["parameters"].update(fee_bps="x")), "parameter 'fee_bps' is not an integer"),
    (_edit(lambda d: d["parameters"].update(max_supply="1e77")), "parameter 'max_supply' is not an integer"),
    (_edit(lambda d: d["parameters"].update(epoch_length=0)), "epoch_length must be positive"),
    (_edit(lambda d: d.update(chain_id=-1)), "'chain_id' is not a non-negative integer"),
    (_edit(lambda d: d.update(deploy_block="3")), "'deploy_block' is not a non-negative integer"),
    (_edit(lambda d: d.update(version=2)), "unsupported version 2"),
    (_edit(lambda d: d.update(version="1")), "unsupported version '1'"),
    (_edit(lambda d: d["roles"].update(admin="nobody")), "role 'admin' is not an address"),
    (_edit(lambda d: d.update(roles=["admin"])), "'roles' is not an object"),
])
def test_manifest_refusals(data: object, message: str) -> None:
    refused(lambda d: manifest.from_json(d, Path("m.json")), data, f"manifest m.json: {message}")


def test_epochs() -> None:
    e = Epochs(genesis=1000, length=60)
    assert (e.of(999), e.of(1000), e.of(1059), e.of(1060)) == (-1, 0, 0, 1)
    assert (e.start(2), e.end(2)) == (1120, 1180)
