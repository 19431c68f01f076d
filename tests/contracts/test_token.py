"""NetworkToken (capped, minted only by the distributor) and MockUSD (the faucet stablecoin)."""

from __future__ import annotations

import boa
import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contracts.support import (
    ERC20_EVENTS, MAX_FAUCET, ZERO_ADDRESS, abi_event, as_sender, events, fields, now, transfers,
)
from tests.contracts.system import TOKEN, USD, load


def test_metadata(system):
    t = system.token
    assert (t.name(), t.symbol(), t.decimals()) == ("Flywheel Network Token", "FLY", 18)
    assert t.MAX_SUPPLY() == system.params.max_supply
    assert t.totalSupply() == 0


def test_zero_max_supply_refused(people):
    with boa.reverts("token: zero max supply"):
        load("NetworkToken", "X", "X", 0, people["alice"])


def test_zero_minter_refused():
    with boa.reverts("token: zero minter"):
        load("NetworkToken", "X", "X", 1, ZERO_ADDRESS)


def test_erc20_events_are_standard(system):
    for contract in (system.token, system.usd):
        for name, spec in ERC20_EVENTS.items():
            inputs = abi_event(contract, name)["inputs"]
            assert [(i["type"], i["indexed"]) for i in inputs] == spec


# --- minting rights ---------------------------------------------------------------


def test_the_distributor_is_the_only_minter_for_good(system):
    t = system.token
    assert t.MINTER() == system.distributor.address
    # No owner and no minter role are left that anyone could use to add a minter.
    exported = {e["name"] for e in t.abi if e.get("type") == "function"}
    assert not exported & {"owner", "is_minter", "set_minter", "transfer_ownership", "renounce_ownership"}


def test_the_deployer_keeps_nothing(people):
    deployer, minter = people["alice"], people["bob"]
    t = load("NetworkToken", "X", "X", 10, minter, sender=deployer)
    assert t.MINTER() == minter
    # snekmate's token makes its deployer owner and minter; the constructor undoes both.
    with as_sender(deployer), boa.reverts("token: not the minter"):
        t.mint(deployer, 1)
    with as_sender(minter):
        t.mint(deployer, 1)
    assert t.balanceOf(deployer) == 1


@pytest.mark.parametrize("role", ["admin", "reporter", "guardian", "treasury"])
def test_roles_cannot_mint(system, role):
    who = getattr(system, role)
    with as_sender(who), boa.reverts("token: not the minter"):
        system.token.mint(who, 1)


def test_strangers_cannot_mint(system, people):
    for who in people.values():
        with as_sender(who), boa.reverts("token: not the minter"):
            system.token.mint(who, 1)


def test_distributor_mints_up_to_the_cap(system, people):
    t, cap, alice = system.token, system.params.max_supply, people["alice"]
    with as_sender(system.distributor.address):
        t.mint(alice, cap - 1)
        with boa.reverts("token: max supply exceeded"):
            t.mint(alice, 2)
        t.mint(people["bob"], 1)
        with boa.reverts("token: max supply exceeded"):
            t.mint(alice, 1)
    assert t.totalSupply() == cap
    assert t.balanceOf(alice) == cap - 1


@settings(max_examples=40, deadline=None)
@given(amounts=st.lists(st.integers(0, 4_000 * TOKEN), min_size=1, max_size=8))
def test_cap_is_never_passed(system, people, amounts):
    t, cap, supply = system.token, system.params.max_supply, 0
    with as_sender(system.distributor.address):
        for a in amounts:
            if supply + a <= cap:
                t.mint(people["alice"], a)
                supply += a
            else:
                with boa.reverts("token: max supply exceeded"):
                    t.mint(people["alice"], a)
    assert t.totalSupply() == supply <= cap


def test_mint_to_zero_address_refused(system):
    with as_sender(system.distributor.address), boa.reverts("erc20: mint to the zero address"):
        system.token.mint(ZERO_ADDRESS, 1)


# --- ERC-20 behaviour -------------------------------------------------------------


@pytest.fixture
def funded(system, people):
    with as_sender(system.distributor.address):
        system.token.mint(people["alice"], 100)
    return system.token


def test_transfer(funded, people):
    t, alice, bob = funded, people["alice"], people["bob"]
    with as_sender(alice):
        assert t.transfer(bob, 30)
    assert [fields(e) for e in events(t, "Transfer")] == [{"sender": alice, "receiver": bob, "value": 30}]
    assert (t.balanceOf(alice), t.balanceOf(bob)) == (70, 30)
    with as_sender(alice), boa.reverts("erc20: transfer amount exceeds balance"):
        t.transfer(bob, 71)
    with as_sender(alice), boa.reverts("erc20: transfer to the zero address"):
        t.transfer(ZERO_ADDRESS, 1)


def test_approve_and_transfer_from(funded, people):
    t, alice, bob, carol = funded, people["alice"], people["bob"], people["carol"]
    with as_sender(alice):
        assert t.approve(bob, 40)
    assert [fields(e) for e in events(t, "Approval")] == [{"owner": alice, "spender": bob, "value": 40}]
    assert t.allowance(alice, bob) == 40
    with as_sender(bob):
        assert t.transferFrom(alice, carol, 25)
        with boa.reverts("erc20: insufficient allowance"):
            t.transferFrom(alice, carol, 16)
    assert (t.balanceOf(alice), t.balanceOf(carol), t.allowance(alice, bob)) == (75, 25, 15)
    with as_sender(alice), boa.reverts("erc20: approve to the zero address"):
        t.approve(ZERO_ADDRESS, 1)


def test_burn_and_burn_from(funded, people):
    t, alice, bob = funded, people["alice"], people["bob"]
    with as_sender(alice):
        t.burn(10)
        assert transfers(t, t) == [(alice, ZERO_ADDRESS, 10)]
        with boa.reverts("erc20: burn amount exceeds balance"):
            t.burn(91)
    assert (t.balanceOf(alice), t.totalSupply()) == (90, 90)
    with as_sender(alice):
        t.approve(bob, 20)
    with as_sender(bob):
        t.burn_from(alice, 20)
        assert transfers(t, t) == [(alice, ZERO_ADDRESS, 20)]
        with boa.reverts("erc20: insufficient allowance"):
            t.burn_from(alice, 1)
    assert (t.balanceOf(alice), t.totalSupply()) == (70, 70)


def _permit_signature(t, key: bytes, spender: str, amount: int, nonce: int, deadline: int):
    owner = Account.from_key(key)
    domain_type = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    domain = keccak(encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [domain_type, keccak(text=t.name()), keccak(text="1"), boa.env.evm.patch.chain_id, t.address],
    ))
    permit_type = keccak(text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
    struct = keccak(encode(
        ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
        [permit_type, owner.address, spender, amount, nonce, deadline],
    ))
    signed = owner.unsafe_sign_hash(keccak(b"\x19\x01" + domain + struct))
    return domain, signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def test_permit(system, people):
    t = system.token
    key = keccak(text="permit owner")
    owner = Account.from_key(key).address
    spender = people["bob"]
    deadline = now() + 100
    domain, v, r, s = _permit_signature(t, key, spender, 55, 0, deadline)
    assert t.DOMAIN_SEPARATOR() == domain
    _fields, name, version, chain_id, verifying, _salt, _ext = t.eip712Domain()
    assert (name, version, chain_id, verifying) == (t.name(), "1", boa.env.evm.patch.chain_id, t.address)
    assert t.nonces(owner) == 0
    with as_sender(people["carol"]):
        t.permit(owner, spender, 55, deadline, v, r, s)
    assert t.allowance(owner, spender) == 55 and t.nonces(owner) == 1
    # The same signature cannot be replayed: the nonce moved on.
    with boa.reverts("erc20: invalid signature"):
        t.permit(owner, spender, 55, deadline, v, r, s)
    _, v, r, s = _permit_signature(t, key, spender, 1, 1, now() - 1)
    with boa.reverts("erc20: expired deadline"):
        t.permit(owner, spender, 1, now() - 1, v, r, s)


# --- MockUSD ----------------------------------------------------------------------


def test_mockusd_metadata(system):
    u = system.usd
    assert (u.name(), u.symbol(), u.decimals(), u.totalSupply()) == ("Mock USD", "mUSD", 6, 0)
    assert u.MAX_FAUCET() == MAX_FAUCET
    # Nothing but the faucet creates dollars.
    exported = {e["name"] for e in u.abi if e.get("type") == "function"}
    assert not exported & {"mint", "set_minter", "transfer_ownership", "burn"}


def test_faucet(system, people):
    u, alice = system.usd, people["alice"]
    with as_sender(alice):
        u.faucet(5 * USD)
        assert transfers(u, u) == [(ZERO_ADDRESS, alice, 5 * USD)]
        u.faucet(MAX_FAUCET)
        with boa.reverts("mockusd: faucet amount out of range"):
            u.faucet(0)
        with boa.reverts("mockusd: faucet amount out of range"):
            u.faucet(MAX_FAUCET + 1)
    assert u.balanceOf(alice) == u.totalSupply() == 5 * USD + MAX_FAUCET


def test_mockusd_transfers(system, people):
    u, alice, bob, carol = system.usd, people["alice"], people["bob"], people["carol"]
    with as_sender(alice):
        u.faucet(10)
        assert u.transfer(bob, 4)
        assert u.approve(carol, 3)
    with as_sender(carol):
        assert u.transferFrom(alice, carol, 3)
        with boa.reverts("erc20: insufficient allowance"):
            u.transferFrom(alice, carol, 1)
    assert (u.balanceOf(alice), u.balanceOf(bob), u.balanceOf(carol), u.allowance(alice, carol)) == (3, 4, 3, 0)
