"""Shared checks for the contract tests: the spec's event table, log access, revert expectations."""

from __future__ import annotations

import boa
from eth_utils import keccak, to_checksum_address

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO32 = b"\x00" * 32
MAX_EPOCHS = 100_000
MAX_FAUCET = 10_000_000 * 10**6

# The spec's event table, copied field by field: (name, type, indexed).
SPEC_EVENTS = {
    "PaymentReceived": [
        ("customer", "address", True), ("epoch", "uint256", True), ("amount", "uint256", False),
        ("fee", "uint256", False), ("reference", "bytes32", False),
    ],
    "EpochFinalized": [
        ("epoch", "uint256", True), ("root", "bytes32", False), ("subsidy", "uint256", False),
        ("revenue", "uint256", False), ("work_units", "uint256", False), ("contributors", "uint256", False),
        ("price", "uint256", False),
    ],
    "RewardClaimed": [("account", "address", True), ("subsidy", "uint256", False), ("revenue", "uint256", False)],
    "RootRevoked": [("epoch", "uint256", True), ("root", "bytes32", False)],
    "NodeRegistered": [("owner", "address", True), ("node_id", "bytes32", True), ("epoch", "uint256", False)],
    "NodeRetired": [("owner", "address", True), ("node_id", "bytes32", True), ("epoch", "uint256", False)],
    "PriceUpdated": [("epoch", "uint256", True), ("price", "uint256", False)],
}

# ERC-20's Transfer and Approval are identified by their topic alone; field names are free.
ERC20_EVENTS = {
    "Transfer": [("address", True), ("address", True), ("uint256", False)],
    "Approval": [("address", True), ("address", True), ("uint256", False)],
}


def topic0(name: str, types: list[str]) -> int:
    return int.from_bytes(keccak(text=f"{name}({','.join(types)})"), "big")


def abi_event(contract, name: str) -> dict:
    matches = [e for e in contract.abi if e.get("type") == "event" and e["name"] == name]
    assert len(matches) == 1, f"{name} declared {len(matches)} times"
    return matches[0]


def assert_spec_event_abi(contract, name: str) -> None:
    """The contract declares `name` exactly as the spec's table has it."""
    declared = [(i["name"], i["type"], i["indexed"]) for i in abi_event(contract, name)["inputs"]]
    assert declared == SPEC_EVENTS[name]


def raw_logs(contract) -> list:
    """(address, topics, data) of every log of the contract's last call, child calls included, in order."""
    entries = sorted(contract._computation.get_raw_log_entries())
    return [(to_checksum_address(addr), topics, data) for _, addr, topics, data in entries]


def events(contract, name: str, emitter=None) -> list:
    """Decoded `name` events of `contract`'s last call emitted by `emitter` (default: the contract)."""
    emitter = to_checksum_address((emitter or contract).address)
    out = []
    for e in contract.get_logs():
        if type(e).__name__ == name and to_checksum_address(str(e.address)) == emitter:
            out.append(e)
    return out


def fields(event) -> dict:
    """An event's fields by name, in declaration order, without the emitter."""
    return {k: getattr(event, k) for k in event._fields[1:]}


def assert_spec_topics(contract, name: str) -> None:
    """Every `name` log of the last call carries the topic the spec's signature hashes to,
    and one topic per indexed field."""
    spec = SPEC_EVENTS[name]
    expected = topic0(name, [t for _, t, _ in spec])
    emitter = to_checksum_address(contract.address)
    found = [topics for addr, topics, _ in raw_logs(contract) if addr == emitter and topics[0] == expected]
    assert found, f"no {name} log with the spec's signature"
    for topics in found:
        assert len(topics) == 1 + sum(1 for *_, indexed in spec if indexed)


def transfers(contract, token) -> list[tuple[str, str, int]]:
    """(from, to, value) of the token's Transfer logs during `contract`'s last call."""
    t = topic0("Transfer", ["address", "address", "uint256"])
    token_addr = to_checksum_address(token.address)
    out = []
    for addr, topics, data in raw_logs(contract):
        if addr == token_addr and topics[0] == t:
            out.append((
                to_checksum_address(topics[1].to_bytes(32, "big")[12:]),
                to_checksum_address(topics[2].to_bytes(32, "big")[12:]),
                int.from_bytes(data, "big"),
            ))
    return out


def as_sender(sender):
    return boa.env.prank(sender)


def now() -> int:
    return boa.env.evm.patch.timestamp


def set_time(t: int) -> None:
    """Moves the clock to `t` exactly (forwards only, like a chain)."""
    delta = t - now()
    assert delta >= 0, "time only moves forwards"
    if delta:
        boa.env.time_travel(seconds=delta)
