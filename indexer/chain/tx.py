"""Sign and send transactions with a locally tracked nonce, waiting only when asked."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError

from indexer.errors import FlywheelError


class Sender:
    """One signing account on one chain. Keeps its own nonce so transactions can be pipelined."""

    def __init__(self, w3: Web3, account: LocalAccount, chain_id: int) -> None:
        self.w3 = w3
        self.account = account
        self.address = account.address
        self.chain_id = chain_id
        self.nonce = w3.eth.get_transaction_count(account.address, "pending")
        base_fee = w3.eth.get_block("latest").get("baseFeePerGas", 0)
        self._fees = {"maxFeePerGas": 2 * base_fee + 10**9, "maxPriorityFeePerGas": 10**9}

    def send(self, call, gas: int | None = None, label: str = "transaction") -> HexBytes:
        """Sign and submit `call` (a bound contract function or constructor); returns the hash."""
        fields = {"from": self.address, "nonce": self.nonce, "chainId": self.chain_id, **self._fees}
        if gas is not None:
            fields["gas"] = gas
        try:
            tx = call.build_transaction(fields)
        except ContractLogicError as exc:
            raise FlywheelError(f"{label} would revert: {_reason(exc)}") from None
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        return tx_hash

    def wait(self, tx_hash: HexBytes, label: str = "transaction") -> dict:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)
        if receipt["status"] != 1:
            raise FlywheelError(f"{label} reverted in transaction {tx_hash.to_0x_hex()}")
        return receipt

    def transact(self, call, gas: int | None = None, label: str = "transaction") -> dict:
        return self.wait(self.send(call, gas=gas, label=label), label=label)


def _reason(exc: ContractLogicError) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return message.removeprefix("execution reverted: ").strip() or "no reason given"
