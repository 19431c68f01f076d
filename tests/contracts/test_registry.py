"""NodeRegistry: contributors register and retire their nodes; a node id is used once, ever.

Callers pass a salt and the registry derives the id from the caller and the salt, so the
tests compute every expected id in Python from the encoding alone, never from the
contract's own view, and show that copying someone's salt first no longer blocks them.
"""

from __future__ import annotations

import boa
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contracts.support import (
    ZERO_ADDRESS, ZERO32, as_sender, assert_spec_event_abi, assert_spec_topics, events, fields, now, set_time,
)
from tests.contracts.system import deploy, load


def salt(i: int) -> bytes:
    return i.to_bytes(32, "big")


def node_id(owner: str, value: bytes) -> bytes:
    """keccak256(abi.encode(owner, salt)), the id the registry gives `owner` for `value`."""
    return keccak(encode(["address", "bytes32"], [owner, value]))


def test_events_match_spec(system):
    assert_spec_event_abi(system.registry, "NodeRegistered")
    assert_spec_event_abi(system.registry, "NodeRetired")


def test_clock(system):
    r = system.registry
    assert (r.GENESIS(), r.EPOCH_LENGTH(), r.current_epoch()) == (system.genesis, system.params.epoch_length, 0)
    set_time(system.epoch_end(6))
    assert r.current_epoch() == 7


def test_zero_epoch_length_refused(system):
    with boa.reverts("clock: zero epoch length"):
        load("NodeRegistry", system.genesis, 0)


@settings(max_examples=25, deadline=None)
@given(owner=st.binary(min_size=20, max_size=20), value=st.binary(min_size=32, max_size=32))
def test_node_id_is_keccak_of_abi_encoded_owner_and_salt(system, owner, value):
    address = "0x" + owner.hex()
    assert system.registry.node_id(address, value) == node_id(address, value)


def test_register(system, people):
    r, alice = system.registry, people["alice"]
    set_time(system.epoch_end(2) + 1)
    with as_sender(alice):
        r.register(salt(1))
    first = node_id(alice, salt(1))
    assert [fields(e) for e in events(r, "NodeRegistered")] == [{"owner": alice, "node_id": first, "epoch": 3}]
    assert_spec_topics(r, "NodeRegistered")
    assert r.owner_of(first) == alice and not r.retired(first) and r.active_nodes(alice) == 1
    assert r.owner_of(salt(1)) == ZERO_ADDRESS  # the salt itself names nothing
    with as_sender(alice):
        r.register(salt(2))
    assert r.active_nodes(alice) == 2 and r.owner_of(node_id(alice, salt(2))) == alice


def test_empty_salt_refused(system, people):
    with as_sender(people["alice"]), boa.reverts("registry: empty salt"):
        system.registry.register(ZERO32)


def test_copying_a_salt_first_no_longer_blocks_its_owner(system, people):
    """The old attack: mallory sees alice's pending register and sends the same value first."""
    r, alice, mallory = system.registry, people["alice"], people["mallory"]
    with as_sender(mallory):
        r.register(salt(5))
    with as_sender(alice):
        r.register(salt(5))
    assert events(r, "NodeRegistered")[0].node_id == node_id(alice, salt(5)) != node_id(mallory, salt(5))
    assert r.owner_of(node_id(alice, salt(5))) == alice and r.owner_of(node_id(mallory, salt(5))) == mallory
    # Nor can mallory touch alice's node: a copied salt or alice's id as a salt names mallory's ids only.
    with as_sender(mallory):
        r.retire(salt(5))
        with boa.reverts("registry: not the node owner"):
            r.retire(node_id(alice, salt(5)))
    assert not r.retired(node_id(alice, salt(5))) and r.retired(node_id(mallory, salt(5)))
    assert (r.active_nodes(alice), r.active_nodes(mallory)) == (1, 0)


def test_a_salt_is_used_once_per_owner_also_after_retirement(system, people):
    r, alice, bob = system.registry, people["alice"], people["bob"]
    with as_sender(alice):
        r.register(salt(7))
        with boa.reverts("registry: node id taken"):
            r.register(salt(7))
        r.retire(salt(7))
        with boa.reverts("registry: node id taken"):
            r.register(salt(7))
    with as_sender(bob):
        r.register(salt(7))
    assert r.owner_of(node_id(alice, salt(7))) == alice and r.retired(node_id(alice, salt(7)))
    assert r.owner_of(node_id(bob, salt(7))) == bob and not r.retired(node_id(bob, salt(7)))


def test_retire_by_owner_only(system, people):
    r, alice, bob = system.registry, people["alice"], people["bob"]
    with as_sender(alice):
        r.register(salt(3))
    for who in (bob, system.admin, system.guardian):
        with as_sender(who), boa.reverts("registry: not the node owner"):
            r.retire(salt(3))
    with as_sender(alice), boa.reverts("registry: not the node owner"):
        r.retire(salt(4))  # never registered
    set_time(system.epoch_end(0))
    with as_sender(alice):
        r.retire(salt(3))
    nid = node_id(alice, salt(3))
    assert [fields(e) for e in events(r, "NodeRetired")] == [{"owner": alice, "node_id": nid, "epoch": 1}]
    assert_spec_topics(r, "NodeRetired")
    assert r.retired(nid) and r.active_nodes(alice) == 0 and r.owner_of(nid) == alice
    with as_sender(alice), boa.reverts("registry: node already retired"):
        r.retire(salt(3))
    assert r.active_nodes(alice) == 0


def test_unregistered_id_has_no_owner(system, people):
    assert system.registry.owner_of(node_id(people["alice"], salt(99))) == ZERO_ADDRESS


def test_register_before_genesis_refused(people):
    s = deploy(genesis=now() + 500)
    with as_sender(people["alice"]), boa.reverts("clock: before genesis"):
        s.registry.register(salt(1))
    set_time(s.genesis)
    with as_sender(people["alice"]):
        s.registry.register(salt(1))
    assert events(s.registry, "NodeRegistered")[0].epoch == 0


@settings(max_examples=40, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 5)), max_size=25))
def test_registry_follows_a_model(system, people, ops):
    """Random register/retire calls by three people over six salts behave like a plain dict keyed by
    (owner, salt): no one's calls affect another's nodes."""
    r = system.registry
    who = [people["alice"], people["bob"], people["carol"]]
    registered: set[tuple[int, int]] = set()
    retired: set[tuple[int, int]] = set()
    for is_register, p, i in ops:
        key = (p, i)
        with as_sender(who[p]):
            if is_register:
                if key in registered:
                    with boa.reverts("registry: node id taken"):
                        r.register(salt(i + 1))
                else:
                    r.register(salt(i + 1))
                    registered.add(key)
            elif key not in registered:
                with boa.reverts("registry: not the node owner"):
                    r.retire(salt(i + 1))
            elif key in retired:
                with boa.reverts("registry: node already retired"):
                    r.retire(salt(i + 1))
            else:
                r.retire(salt(i + 1))
                retired.add(key)
    for p, w in enumerate(who):
        for i in range(6):
            nid = node_id(w, salt(i + 1))
            assert r.owner_of(nid) == (w if (p, i) in registered else ZERO_ADDRESS)
            assert r.retired(nid) == ((p, i) in retired)
        assert r.active_nodes(w) == sum(1 for k in registered - retired if k[0] == p)
