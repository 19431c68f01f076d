"""NodeRegistry: contributors register and retire their nodes; a node id is used once, ever."""

from __future__ import annotations

import boa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contracts.support import (
    ZERO_ADDRESS, ZERO32, as_sender, assert_spec_event_abi, assert_spec_topics, events, fields, now, set_time,
)
from tests.contracts.system import deploy, load


def node(i: int) -> bytes:
    return i.to_bytes(32, "big")


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


def test_register(system, people):
    r, alice = system.registry, people["alice"]
    set_time(system.epoch_end(2) + 1)
    with as_sender(alice):
        r.register(node(1))
    assert [fields(e) for e in events(r, "NodeRegistered")] == [{"owner": alice, "node_id": node(1), "epoch": 3}]
    assert_spec_topics(r, "NodeRegistered")
    assert r.owner_of(node(1)) == alice and not r.retired(node(1)) and r.active_nodes(alice) == 1
    with as_sender(alice):
        r.register(node(2))
    assert r.active_nodes(alice) == 2


def test_empty_id_refused(system, people):
    with as_sender(people["alice"]), boa.reverts("registry: empty node id"):
        system.registry.register(ZERO32)


def test_duplicate_id_refused_also_after_retirement(system, people):
    r, alice, bob = system.registry, people["alice"], people["bob"]
    with as_sender(alice):
        r.register(node(7))
        with boa.reverts("registry: node id taken"):
            r.register(node(7))
    with as_sender(bob), boa.reverts("registry: node id taken"):
        r.register(node(7))
    with as_sender(alice):
        r.retire(node(7))
        with boa.reverts("registry: node id taken"):
            r.register(node(7))
    with as_sender(bob), boa.reverts("registry: node id taken"):
        r.register(node(7))
    assert r.owner_of(node(7)) == alice and r.retired(node(7))


def test_retire_by_owner_only(system, people):
    r, alice, bob = system.registry, people["alice"], people["bob"]
    with as_sender(alice):
        r.register(node(3))
    for who in (bob, system.admin, system.guardian):
        with as_sender(who), boa.reverts("registry: not the node owner"):
            r.retire(node(3))
    with as_sender(alice), boa.reverts("registry: not the node owner"):
        r.retire(node(4))  # never registered
    set_time(system.epoch_end(0))
    with as_sender(alice):
        r.retire(node(3))
    assert [fields(e) for e in events(r, "NodeRetired")] == [{"owner": alice, "node_id": node(3), "epoch": 1}]
    assert_spec_topics(r, "NodeRetired")
    assert r.retired(node(3)) and r.active_nodes(alice) == 0 and r.owner_of(node(3)) == alice
    with as_sender(alice), boa.reverts("registry: node already retired"):
        r.retire(node(3))
    assert r.active_nodes(alice) == 0


def test_unregistered_id_has_no_owner(system):
    assert system.registry.owner_of(node(99)) == ZERO_ADDRESS


def test_register_before_genesis_refused(people):
    s = deploy(genesis=now() + 500)
    with as_sender(people["alice"]), boa.reverts("clock: before genesis"):
        s.registry.register(node(1))
    set_time(s.genesis)
    with as_sender(people["alice"]):
        s.registry.register(node(1))
    assert events(s.registry, "NodeRegistered")[0].epoch == 0


@settings(max_examples=40, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 5)), max_size=25))
def test_registry_follows_a_model(system, people, ops):
    """Random register/retire calls by three people over six ids behave like a plain dict."""
    r = system.registry
    who = [people["alice"], people["bob"], people["carol"]]
    owner: dict[int, str] = {}
    retired: set[int] = set()
    for is_register, p, i in ops:
        nid = node(i + 1)
        with as_sender(who[p]):
            if is_register:
                if i in owner:
                    with boa.reverts("registry: node id taken"):
                        r.register(nid)
                else:
                    r.register(nid)
                    owner[i] = who[p]
            elif owner.get(i) != who[p]:
                with boa.reverts("registry: not the node owner"):
                    r.retire(nid)
            elif i in retired:
                with boa.reverts("registry: node already retired"):
                    r.retire(nid)
            else:
                r.retire(nid)
                retired.add(i)
    for i in range(6):
        assert r.owner_of(node(i + 1)) == owner.get(i, ZERO_ADDRESS)
        assert r.retired(node(i + 1)) == (i in retired)
    for w in who:
        assert r.active_nodes(w) == sum(1 for i, o in owner.items() if o == w and i not in retired)
