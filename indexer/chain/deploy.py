"""Deploy the Flywheel contracts, wire their roles, and describe the result as a manifest."""

from __future__ import annotations

from collections.abc import Callable

from eth_utils import keccak
from web3 import Web3

from indexer.chain import accounts
from indexer.chain.build import Artifact, build
from indexer.chain.manifest import Manifest
from indexer.chain.params import Params
from indexer.chain.node import rpc_of
from indexer.chain.wallet import Sender
from indexer.errors import FlywheelError

REPORTER_ROLE = keccak(text="REPORTER_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")

Progress = Callable[[str], None]


def _resolve_roles(params: Params, chain_id: int, deployer: str) -> dict[str, str]:
    local = chain_id == accounts.LOCAL_CHAIN_ID
    default_treasury = accounts.dev_account(1).address if local else deployer
    return {
        "admin": deployer,
        "reporter": params.reporter or deployer,
        "guardian": params.guardian or deployer,
        "treasury": params.treasury or default_treasury,
    }


def deploy(w3: Web3, chain_id: int, params: Params, progress: Progress = lambda _: None,
           artifacts: dict[str, Artifact] | None = None) -> Manifest:
    """Deploy everything with the chain's signer; returns the manifest (not yet written)."""
    if params.payment_token is None and chain_id != accounts.LOCAL_CHAIN_ID:
        raise FlywheelError(f"chain {chain_id} is not a local chain: set payment_token in the params file (MockUSD is for local chains only)")
    artifacts = artifacts or build()
    sender = Sender(rpc_of(w3), accounts.signer(chain_id), chain_id)
    roles = _resolve_roles(params, chain_id, sender.address)
    latest = w3.eth.get_block("latest")
    genesis = params.genesis if params.genesis is not None else latest["timestamp"]
    first_block: list[int] = []

    def create(name: str, *args) -> str:
        progress(f"deploying {name}")
        art = artifacts[name]
        init_code = w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor(*args).data_in_transaction
        address = sender.create(bytes.fromhex(init_code[2:]), label=f"deploying {name}")
        first_block.append(int(rpc_of(w3).receipt(sender.sent[-1].tx_hash)["blockNumber"], 16))
        return address

    def call(address: str, name: str, fn: str, *args) -> None:
        progress(f"{name}.{fn}")
        contract = w3.eth.contract(address=address, abi=artifacts[name].abi)
        sender.call(getattr(contract.functions, fn)(*args), label=f"{name}.{fn}")

    payment_token = params.payment_token or create("MockUSD")
    token = create("NetworkToken", params.token_name, params.token_symbol, params.max_supply)
    feed = create("PriceFeed", genesis, params.epoch_length)
    registry = create("NodeRegistry", genesis, params.epoch_length)
    gateway = create("PaymentGateway", payment_token, roles["treasury"], params.fee_bps, genesis, params.epoch_length)
    distributor = create(
        "RewardDistributor", token, payment_token, gateway, feed, genesis, params.epoch_length,
        params.initial_emission, params.decay_bps, params.decay_period, params.max_supply,
        params.root_delay, params.max_price_age,
    )

    call(token, "NetworkToken", "set_minter", distributor, True)
    # Renouncing ownership also drops the deployer's own minter role: the distributor is the only minter.
    call(token, "NetworkToken", "renounce_ownership")
    call(gateway, "PaymentGateway", "set_distributor", distributor)
    call(feed, "PriceFeed", "grantRole", REPORTER_ROLE, roles["reporter"])
    call(distributor, "RewardDistributor", "grantRole", REPORTER_ROLE, roles["reporter"])
    call(distributor, "RewardDistributor", "grantRole", GUARDIAN_ROLE, roles["guardian"])
    call(gateway, "PaymentGateway", "grantRole", GUARDIAN_ROLE, roles["guardian"])

    decimals = w3.eth.contract(address=payment_token, abi=artifacts["MockUSD"].abi).functions.decimals().call()
    manifest_params = params.to_manifest() | {"genesis": genesis}
    manifest_params = {k: int(v) for k, v in manifest_params.items()}
    return Manifest(
        chain_id=chain_id,
        deploy_block=min(first_block) if first_block else latest["number"],
        contracts={
            "network_token": token,
            "payment_token": payment_token,
            "payment_gateway": gateway,
            "reward_distributor": distributor,
            "node_registry": registry,
            "price_feed": feed,
        },
        parameters=manifest_params,
        payment_decimals=int(decimals),
        roles=roles,
        payment_token_is_mock=params.payment_token is None,
    )
