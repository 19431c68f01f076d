"""The one way to send a transaction: sign locally, submit through the one transport.

Call data is encoded from the contracts' ABIs without web3's per-call
machinery, so thousands of transactions cost little Python time. A
`Wallet` signs and keeps its own nonce; a submitter sends what it signs,
either one by one and waiting for each receipt (`InstantSubmitter`, any
chain) or a block at a time at chosen timestamps (`BlockSubmitter`, a local
anvil). `Sender` is the everyday pair of the two, used by deploy, the
operator commands and the gas measurements; it keeps what it sent, so a
command that fails halfway can say what is already on chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from indexer.chain.rpc import NodeClient, RpcAnswerError
from indexer.errors import FlywheelError


def _abi_type(param: dict) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return param["type"]


class Encoder:
    """Encodes calls to one contract's functions by name and number of arguments: Vyper's default arguments
    give one function several selectors (`pay(uint256,bytes32)` and `pay(uint256,bytes32,uint256)`)."""

    def __init__(self, abi: list[dict]) -> None:
        self._fns: dict[tuple[str, int], tuple[bytes, list[str]]] = {}
        for item in abi:
            if item.get("type") == "function":
                types = [_abi_type(p) for p in item["inputs"]]
                selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
                self._fns[(item["name"], len(types))] = (selector, types)

    def __call__(self, name: str, *args: object) -> bytes:
        selector, types = self._fns[(name, len(args))]
        return selector + encode(types, list(args))


@dataclass
class Wallet:
    account: LocalAccount
    nonce: int
    address: str = field(init=False)

    def __post_init__(self) -> None:
        self.address = self.account.address

    def sign(self, chain_id: int, to: str | None, data: bytes, gas: int, max_fee: int, tip: int) -> tuple[str, str]:
        """A signed transaction and its hash; `to=None` creates a contract."""
        tx: dict[str, Any] = {
            "type": 2, "chainId": chain_id, "nonce": self.nonce, "data": data, "value": 0,
            "gas": gas, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip,
        }
        if to is not None:
            tx["to"] = to
        signed = self.account.sign_transaction(tx)
        self.nonce += 1
        return "0x" + signed.raw_transaction.hex(), "0x" + signed.hash.hex()


class Submitter(Protocol):
    def submit(self, wallet: Wallet, to: str | None, data: bytes, gas: int | None, label: str) -> dict | None: ...

    def flush(self, timestamp: int | None = None) -> list[dict]: ...


class Reverted(FlywheelError):
    """A transaction was mined and reverted, or would revert."""


def _check(receipts: list[dict | None], labels: list[str], hashes: list[str]) -> list[dict]:
    for receipt, label, tx_hash in zip(receipts, labels, hashes):
        if receipt is None:
            raise FlywheelError(f"{label}: transaction {tx_hash} was not mined")
        if int(receipt["status"], 16) != 1:
            raise Reverted(f"{label} reverted in transaction {tx_hash}")
    return receipts  # type: ignore[return-value]


def revert_reason(exc: RpcAnswerError) -> str:
    return exc.reason.removeprefix("execution reverted").lstrip(": ").strip() or "no reason given"


class InstantSubmitter:
    """Sends each transaction as it comes and waits for its receipt (any chain)."""

    def __init__(self, rpc: NodeClient, chain_id: int, max_fee: int | None = None, tip: int = 10**9) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.tip = tip
        self.max_fee = max_fee or 2 * int(rpc.block().get("baseFeePerGas", "0x0"), 16) + tip
        self._receipts: list[dict] = []

    def estimate(self, sender: str, to: str | None, data: bytes, label: str) -> int:
        """The gas to give, with a margin; a call that would revert is refused here, before it is signed."""
        tx = {"from": sender, "data": "0x" + data.hex()} | ({"to": to} if to else {})
        try:
            return self.rpc.estimate_gas(tx) * 6 // 5
        except RpcAnswerError as exc:
            raise Reverted(f"{label} would revert: {revert_reason(exc)}") from None

    def submit(self, wallet: Wallet, to: str | None, data: bytes, gas: int | None, label: str) -> dict:
        if gas is None:
            gas = self.estimate(wallet.address, to, data, label)
        raw, tx_hash = wallet.sign(self.chain_id, to, data, gas, self.max_fee, self.tip)
        self.rpc.send_raw(raw)
        receipt = _check([self.rpc.receipt(tx_hash)], [label], [tx_hash])[0]
        self._receipts.append(receipt)
        return receipt

    def flush(self, timestamp: int | None = None) -> list[dict]:
        receipts, self._receipts = self._receipts, []
        return receipts


@dataclass(frozen=True)
class Sent:
    label: str
    tx_hash: str
    contract: str | None  # the address a creation made


class Sender:
    """One signing account on one chain, sending one transaction at a time and waiting for it."""

    def __init__(self, rpc: NodeClient, account: LocalAccount, chain_id: int,
                 before_first: Callable[[], None] = lambda: None) -> None:
        self.rpc = rpc
        self.address = account.address
        self.wallet = Wallet(account, rpc.nonce(account.address))
        self.submitter = InstantSubmitter(rpc, chain_id)
        self.sent: list[Sent] = []
        self._before_first = before_first  # says where transactions go, once, when the first is about to

    def about_to_send(self) -> None:
        """Run the before-first hook now, for callers that send through `submitter` themselves."""
        self._before_first()
        self._before_first = lambda: None

    def transact(self, to: str | None, data: bytes, label: str, gas: int | None = None) -> dict:
        self.about_to_send()
        receipt = self.submitter.submit(self.wallet, to, data, gas, label)
        created = receipt.get("contractAddress")
        self.sent.append(Sent(label, receipt["transactionHash"], to_checksum_address(created) if created else None))
        return receipt

    def create(self, init_code: bytes, label: str) -> str:
        """Deploy a contract from its init code (bytecode and encoded constructor arguments); its address."""
        self.transact(None, init_code, label)
        return self.sent[-1].contract

    def call(self, fn: Any, label: str, gas: int | None = None) -> dict:
        """Send a bound web3 contract function."""
        return self.transact(fn.address, bytes.fromhex(fn._encode_transaction_data()[2:]), label, gas)


class BlockSubmitter:
    """Collects signed transactions and mines them into blocks at chosen times.

    For a local anvil with automine off: the caller decides each block's
    timestamp, so a run is reproducible to the block.
    """

    # Full blocks raise the base fee 12.5% each; a high cap keeps a long run of them from stranding transactions.
    def __init__(self, rpc: NodeClient, chain_id: int, max_fee: int = 10**13, tip: int = 10**9) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.max_fee = max_fee
        self.tip = tip
        self._pending: list[tuple[str, str, str]] = []

    def submit(self, wallet: Wallet, to: str | None, data: bytes, gas: int | None, label: str) -> None:
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
