"""Sign transactions locally and submit them, one by one or a block at a time.

Call data is encoded from the contracts' ABIs without web3's per-call
machinery, so thousands of transactions cost little Python time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from indexer.chain.rpc import Rpc, RpcError
from indexer.errors import FlywheelError


def _abi_type(param: dict) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return param["type"]


class Encoder:
    """Encodes calls to one contract's functions by name."""

    def __init__(self, abi: list[dict]) -> None:
        self._fns: dict[str, tuple[bytes, list[str]]] = {}
        for item in abi:
            if item.get("type") == "function":
                types = [_abi_type(p) for p in item["inputs"]]
                selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
                self._fns[item["name"]] = (selector, types)

    def __call__(self, name: str, *args: object) -> bytes:
        selector, types = self._fns[name]
        return selector + encode(types, list(args))


@dataclass
class Wallet:
    account: LocalAccount
    nonce: int
    address: str = field(init=False)

    def __post_init__(self) -> None:
        self.address = self.account.address

    def sign(self, chain_id: int, to: str, data: bytes, gas: int, max_fee: int, tip: int) -> tuple[str, str]:
        tx = {
            "type": 2, "chainId": chain_id, "nonce": self.nonce, "to": to, "data": data, "value": 0,
            "gas": gas, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip,
        }
        signed = self.account.sign_transaction(tx)
        self.nonce += 1
        return "0x" + signed.raw_transaction.hex(), "0x" + signed.hash.hex()


class Submitter(Protocol):
    def submit(self, wallet: Wallet, to: str, data: bytes, gas: int | None, label: str) -> None: ...

    def flush(self, timestamp: int | None = None) -> list[dict]: ...


def _check(receipts: list[dict], labels: list[str], hashes: list[str]) -> list[dict]:
    for receipt, label, tx_hash in zip(receipts, labels, hashes):
        if receipt is None:
            raise FlywheelError(f"{label}: transaction {tx_hash} was not mined")
        if int(receipt["status"], 16) != 1:
            raise FlywheelError(f"{label} reverted in transaction {tx_hash}")
    return receipts


class InstantSubmitter:
    """Sends each transaction as it comes and waits for its receipt (any chain)."""

    def __init__(self, rpc: Rpc, chain_id: int, max_fee: int | None = None, tip: int = 10**9) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.tip = tip
        self.max_fee = max_fee or 2 * int(rpc.call("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16) + tip
        self._receipts: list[dict] = []

    def submit(self, wallet: Wallet, to: str, data: bytes, gas: int | None, label: str) -> None:
        if gas is None:
            try:
                estimate = self.rpc.call("eth_estimateGas", {"from": wallet.address, "to": to, "data": "0x" + data.hex()})
            except RpcError as exc:
                raise FlywheelError(f"{label} would revert: {str(exc).split(': ', 1)[-1]}") from None
            gas = int(estimate, 16) * 6 // 5
        raw, tx_hash = wallet.sign(self.chain_id, to, data, gas, self.max_fee, self.tip)
        self.rpc.call("eth_sendRawTransaction", raw)
        self._receipts.append(_check([self._wait(tx_hash)], [label], [tx_hash])[0])

    def _wait(self, tx_hash: str) -> dict | None:
        import time

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            receipt = self.rpc.call("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return receipt
            time.sleep(0.05)
        return None

    def flush(self, timestamp: int | None = None) -> list[dict]:
        receipts, self._receipts = self._receipts, []
        return receipts


class BlockSubmitter:
    """Collects signed transactions and mines them into blocks at chosen times.

    For a local anvil with automine off: the caller decides each block's
    timestamp, so a run is reproducible to the block.
    """

    # Full blocks raise the base fee 12.5% each; a high cap keeps a long run of them from stranding transactions.
    def __init__(self, rpc: Rpc, chain_id: int, max_fee: int = 10**13, tip: int = 10**9) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.max_fee = max_fee
        self.tip = tip
        self._pending: list[tuple[str, str, str]] = []

    def submit(self, wallet: Wallet, to: str, data: bytes, gas: int | None, label: str) -> None:
        if gas is None:
            raise ValueError("a block submitter needs an explicit gas limit")
        raw, tx_hash = wallet.sign(self.chain_id, to, data, gas, self.max_fee, self.tip)
        self._pending.append((raw, tx_hash, label))

    def flush(self, timestamp: int | None = None) -> list[dict]:
        """Send everything collected and mine until it is all in blocks; returns the receipts."""
        pending, self._pending = self._pending, []
        if not pending:
            return []
        hashes = [h for _, h, _ in pending]
        receipts: list[dict | None] = [None] * len(pending)
        t = timestamp
        # A node may drop an accepted transaction from its pool; sending the same signed bytes again is harmless.
        for _ in range(3):
            missing = [i for i, r in enumerate(receipts) if r is None]
            if not missing:
                break
            self.rpc.batch([("eth_sendRawTransaction", [pending[i][0]]) for i in missing])
            t = self._mine(t, len(missing))
            for i, receipt in zip(missing, self.rpc.batch([("eth_getTransactionReceipt", [hashes[i]]) for i in missing])):
                receipts[i] = receipt
        return _check(receipts, [label for _, _, label in pending], hashes)

    def _mine(self, t: int | None, count: int) -> int | None:
        """Mine blocks until the pool is empty; returns the next free timestamp."""
        for _ in range(count + 1):
            self.rpc.call("evm_mine", t) if t is not None else self.rpc.call("evm_mine")
            t = t + 1 if t is not None else None
            status = self.rpc.call("txpool_status")
            if int(status["pending"], 16) == 0 and int(status["queued"], 16) == 0:
                break
        return t
