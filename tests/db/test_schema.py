"""The schema is derived from the contracts' ABI, and the migrations must build exactly that schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from indexer.chain import system
from indexer.chain.build import build
from indexer.db import migrate
from indexer.db.schema import EVENT_TABLES, EVENTS, metadata
from indexer.errors import FlywheelError

BASE = ["chain_id", "block_number", "block_hash", "block_time", "tx_hash", "log_index", "contract"]


def _drift(engine) -> list:
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrations_build_the_abi_derived_schema(database_url):
    engine = create_engine(database_url)
    try:
        assert _drift(engine) == []
    finally:
        engine.dispose()


def test_every_abi_field_of_a_stored_event_is_a_column_in_order():
    abis = {name: a.abi for name, a in build().items()}
    for spec in EVENTS:
        event = next(e for e in abis[system.SOURCE[spec.source[0]]] if e.get("type") == "event" and e["name"] == spec.event)
        assert [c.name for c in EVENT_TABLES[spec.table].columns] == BASE + [i["name"] for i in event["inputs"]]
        assert [f.indexed for f in spec.fields] == [i["indexed"] for i in event["inputs"]]


def _abi(*inputs: tuple[str, str, bool]) -> list[dict]:
    return [{"type": "event", "name": "Made", "inputs": [{"name": n, "type": t, "indexed": i} for n, t, i in inputs]}]


def test_layout_reads_fields_and_signature_from_the_abi():
    made = system.Event("made", "Made", ("price_feed",), ("epoch",), (("epoch", system.INTEGER),))
    got = system.layout(made, _abi(("epoch", "uint256", True), ("who", "address", False), ("tag", "bytes32", False)))
    assert got.signature == "Made(uint256,address,bytes32)"
    assert [(f.name, f.kind, f.indexed, f.unit) for f in got.fields] == [
        ("epoch", "uint256", True, system.INTEGER), ("who", "address", False, None), ("tag", "bytes32", False, None)]


@pytest.mark.parametrize("inputs, words", [
    ((("amounts", "uint256[]", False),), "only address, uint256, bytes32"),
    ((("camelCase", "uint256", False),), "snake_case"),
])
def test_layout_refuses_fields_the_indexer_cannot_store(inputs, words):
    with pytest.raises(FlywheelError, match=words.split(",")[0]):
        system.layout(system.Event("made", "Made", ("price_feed",), ()), _abi(*inputs))


def test_layout_refuses_a_missing_event_and_unlike_declarations():
    with pytest.raises(FlywheelError, match="declared 0 times"):
        system.layout(system.Event("gone", "Gone", ("price_feed",), ()), _abi())
    twice = system.Event("made", "Made", ("network_token", "payment_token"), (), (("a", system.INTEGER),))
    abis = {"NetworkToken": _abi(("a", "uint256", False)), "MockUSD": _abi(("a", "uint256", True))}
    original = system.EVENTS
    try:
        system.EVENTS = (twice,)
        with pytest.raises(FlywheelError, match="declared differently"):
            system.layouts(abis)
    finally:
        system.EVENTS = original


def test_role_ids_are_the_contracts_constants():
    from eth_utils import keccak

    assert system.role_id("admin") == bytes(32)
    assert system.role_id("reporter") == keccak(text="REPORTER_ROLE")
    assert system.role_id("guardian") == keccak(text="GUARDIAN_ROLE")
    with pytest.raises(KeyError):
        system.role_id("treasury")


def test_every_contract_key_is_created_once_and_wiring_names_are_unique():
    assert len(set(system.KEYS)) == len(system.KEYS) == len(system.CONTRACTS)
    names = [c.name for c in system.WIRING]
    assert len(set(names)) == len(names)
    assert all(c.key in system.KEYS for c in system.WIRING)
    assert all(key in system.KEYS for e in system.EVENTS for key in e.sources)


def test_every_uint256_field_of_every_stored_event_has_a_declared_unit():
    for spec in EVENTS:
        for f in spec.fields:
            assert (f.unit in system.UNITS) if f.kind == "uint256" else f.unit is None, (spec.event, f.name)


@pytest.mark.parametrize("units, words", [
    ((), "a unit is declared for each uint256 field"),
    ((("epoch", system.INTEGER), ("who", system.INTEGER)), "a unit is declared for each uint256 field"),
    ((("epoch", "furlongs"),), "no such unit: furlongs"),
    ((("epoch", system.INTEGER), ("gone", system.INTEGER)), "declared for no field"),
])
def test_layout_refuses_a_uint256_field_without_a_unit_and_units_of_nothing(units, words):
    made = system.Event("made", "Made", ("price_feed",), (), units)
    with pytest.raises(FlywheelError, match=words):
        system.layout(made, _abi(("epoch", "uint256", True), ("who", "address", False)))
