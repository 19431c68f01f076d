"""Log decoding without a node: made-up logs, encoded here with eth_abi as a node would send them, become
the rows the tables take, on both backends; logs that are not ours, malformed or removed are skipped."""

from __future__ import annotations

from types import SimpleNamespace

import orjson
import pytest
from eth_abi import encode
from eth_utils import keccak

from indexer.chain.system import EVENTS
from indexer.chain.rpc import LOGS
from indexer.ingest.decode import addresses, decode, decoders, topics_filter

CHAIN_ID = 31337
CONTRACTS = {
    "network_token": "0x" + "1a" * 20, "payment_token": "0x" + "2B" * 20, "payment_gateway": "0x" + "3c" * 20,
    "reward_distributor": "0x" + "4D" * 20, "node_registry": "0x" + "5e" * 20, "price_feed": "0x" + "6f" * 20,
}
MANIFEST = SimpleNamespace(contracts=CONTRACTS)  # the decoders read only the deployment's addresses
# The events' signatures as the contracts declare them.
PAYMENT = "0x" + keccak(text="PaymentReceived(address,uint256,uint256,uint256,bytes32)").hex()
TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
FINALIZED = "0x" + keccak(text="EpochFinalized(uint256,bytes32,uint256,uint256,uint256,uint256,uint256)").hex()
APPROVAL = "0x" + keccak(text="Approval(address,address,uint256)").hex()
CUSTOMER = "0x" + "Ab" * 20
BLOCK_HASH, TX_HASH = "0x" + "b1" * 32, "0x" + "c2" * 32
BIG = 2**255 + 1  # past int64 and float precision: must arrive exact


def word(value: int | str) -> str:
    """A 32-byte topic: an integer, or an address left-padded."""
    return "0x" + (encode(["address"], [value]) if isinstance(value, str) else encode(["uint256"], [value])).hex()


def node_log(address: str, topics: list[str], data: bytes, block: int = 16, index: int = 3, time: int | None = 1_700_000_000,
             **extra: object) -> dict:
    log = {"address": address, "topics": topics, "data": "0x" + data.hex(), "blockNumber": hex(block), "blockHash": BLOCK_HASH,
           "transactionHash": TX_HASH, "logIndex": hex(index), **extra}
    if time is not None:
        log["blockTimestamp"] = hex(time)
    return log


def payment(**changes: object) -> dict:
    data = encode(["uint256", "uint256", "bytes32"], [BIG, 3, b"\x99" * 32])
    return node_log(CONTRACTS["payment_gateway"], [PAYMENT, word(CUSTOMER), word(7)], data) | changes


def rows(logs: list[dict], dialect: str = "sqlite", times: dict[str, int] | None = None) -> dict[str, list[tuple]]:
    return decode(LOGS.decode(orjson.dumps(logs)), decoders(MANIFEST, dialect), CHAIN_ID, times or {})


def test_a_payment_decodes_to_its_row_with_uint256_as_text_on_sqlite() -> None:
    assert rows([payment()]) == {"payment_received": [(
        CHAIN_ID, 16, BLOCK_HASH, 1_700_000_000, TX_HASH, 3, "0x" + "3c" * 20,
        "0x" + "ab" * 20, "7", "57896044618658097711785492504343953926634992332820282019728792003956564819969", "3",
        "0x" + "99" * 32,
    )]}


def test_a_payment_decodes_to_its_row_with_uint256_as_int_on_postgresql() -> None:
    assert rows([payment()], "postgresql") == {"payment_received": [(
        CHAIN_ID, 16, BLOCK_HASH, 1_700_000_000, TX_HASH, 3, "0x" + "3c" * 20, "0x" + "ab" * 20, 7, BIG, 3, "0x" + "99" * 32,
    )]}


def test_the_block_time_comes_from_the_header_when_the_log_has_none() -> None:
    data = encode(["bytes32", "uint256", "uint256", "uint256", "uint256", "uint256"], [b"\x01" * 32, 10, 20, 30, 4, 5])
    log = node_log(CONTRACTS["reward_distributor"], [FINALIZED, word(2)], data, block=0x2A, index=0, time=None)
    assert rows([log], "postgresql", times={"0x2a": 1_234}) == {"epoch_finalized": [(
        CHAIN_ID, 42, BLOCK_HASH, 1_234, TX_HASH, 0, "0x" + "4d" * 20, 2, "0x" + "01" * 32, 10, 20, 30, 4, 5,
    )]}


def test_a_transfer_is_taken_from_either_token_and_rows_keep_the_logs_order() -> None:
    data = encode(["uint256"], [5])
    logs = [node_log(CONTRACTS[key], [TRANSFER, word(CUSTOMER), word("0x" + "00" * 20)], data, index=i)
            for i, key in enumerate(("payment_token", "network_token"))]
    assert [(r[5], r[6], r[7], r[8], r[9]) for r in rows(logs)["transfer"]] == [
        (0, "0x" + "2b" * 20, "0x" + "ab" * 20, "0x" + "00" * 20, "5"),
        (1, "0x" + "1a" * 20, "0x" + "ab" * 20, "0x" + "00" * 20, "5"),
    ]


SKIPPED = {
    "removed by a reorg": payment(removed=True),
    "from an address outside the deployment": payment(address="0x" + "77" * 20),
    "from another contract of the deployment": payment(address=CONTRACTS["reward_distributor"]),
    "an event not stored": payment(topics=[APPROVAL, word(CUSTOMER), word(CUSTOMER)]),
    "no topics": payment(topics=[]),
    "a topic missing": payment(topics=[PAYMENT, word(CUSTOMER)]),
    "a topic too many": payment(topics=[PAYMENT, word(CUSTOMER), word(7), word(8)]),
    "a data word missing": payment(data="0x" + encode(["uint256", "uint256"], [1, 2]).hex()),
    "a data word too many": payment(data="0x" + encode(["uint256"] * 4, [1, 2, 3, 4]).hex()),
    "data cut mid-word": payment(data=payment()["data"][:-2]),
}


@pytest.mark.parametrize("log", SKIPPED.values(), ids=SKIPPED.keys())
def test_logs_that_are_not_well_formed_events_of_the_deployment_are_skipped(log: dict) -> None:
    assert rows([log]) == {}
    [row] = rows([log, payment(logIndex="0x9")])["payment_received"]
    assert row[5] == 9  # the good log beside it is still taken


def test_the_query_asks_for_the_deployments_addresses_and_the_stored_events_only() -> None:
    assert addresses(MANIFEST) == sorted(a.lower() for a in CONTRACTS.values())
    [wanted] = topics_filter()
    assert len(wanted) == len(EVENTS) == 12 and PAYMENT in wanted and TRANSFER in wanted and FINALIZED in wanted
    assert APPROVAL not in wanted
