"""Operator commands: status, pay, faucet, price post, node register|retire, pause|unpause, epoch revoke.

Each is a thin layer over one contract call. Before it signs, a command
checks what the contract would check and can be read first — the signer's
role, the balance and allowance, a pause, an id already taken — and refuses
with one line that names what is missing (for a role: the role, the
contract and the signer), so a transaction is sent only when it should
succeed. Amounts are taken and shown in human units with their names; in
JSON, base-unit amounts are integer strings under keys ending `_base`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from eth_abi import encode as abi_encode
from eth_utils import keccak
from rich.table import Table

from indexer.chain.contracts import Deployment
from indexer.chain.rpc import redact
from indexer.chain.units import PRICE, iso
from indexer.cli.common import (DeploymentOption, DevAccountOption, KeystoreOption, RpcOption, Session, open_session,
                                require_role, token, usd)
from indexer.cli.output import console
from indexer.errors import FlywheelError



class Target(str, Enum):
    payments = "payments"
    claims = "claims"
    finalization = "finalization"


class StatusFormat(str, Enum):
    table = "table"
    json = "json"


# --- status --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    chain_id: int
    rpc_url: str
    now: int
    current_epoch: int
    epoch_ends_at: int
    last_finalized_epoch: int | None
    pending_root: str | None
    claimable_at: int | None
    paused: dict[str, bool]
    price: int
    price_updated_at: int
    revenue_pool_base: int
    minted_base: int
    max_supply_base: int


def read_status(session: Session) -> Status:
    d = session.d
    dist, p = d.reward_distributor.functions, d.manifest.parameters
    now = d.rpc.timestamp()
    epoch = max(0, d.manifest.epochs.of(now))
    next_epoch = dist.next_epoch().call()
    posted, delay = dist.root_posted_at().call(), p["root_delay"]
    pending = next_epoch > 0 and posted + delay > now
    price, updated_at = d.price_feed.functions.latest_price().call()
    return Status(
        chain_id=d.manifest.chain_id, rpc_url=redact(session.url), now=now, current_epoch=epoch,
        epoch_ends_at=d.manifest.epochs.end(epoch),
        last_finalized_epoch=next_epoch - 1 if next_epoch else None,
        pending_root="0x" + bytes(dist.latest_root().call()).hex() if pending else None,
        claimable_at=posted + delay if pending else None,
        paused={t.value: lever.fn(d, lever.view).call() for t, lever in LEVERS.items()},
        price=price, price_updated_at=updated_at, revenue_pool_base=dist.revenue_pool().call(),
        minted_base=dist.total_minted().call(), max_supply_base=p["max_supply"],
    )


def status_json(s: Status) -> dict:
    return {
        "chain_id": s.chain_id, "rpc_url": s.rpc_url, "current_epoch": s.current_epoch,
        "epoch_ends_at": iso(s.epoch_ends_at), "last_finalized_epoch": s.last_finalized_epoch,
        "pending_root": s.pending_root, "claimable_at": iso(s.claimable_at) if s.claimable_at else None,
        "paused": s.paused, "price_usd": PRICE.plain(s.price) if s.price else None,
        "price_age_s": s.now - s.price_updated_at if s.price else None,
        "revenue_pool_base": str(s.revenue_pool_base), "minted_base": str(s.minted_base),
        "max_supply_base": str(s.max_supply_base),
    }


def status_table(s: Status, d: Deployment) -> Table:
    fly, dollars = token(d), usd(d)
    table = Table(title=f"chain {s.chain_id} at {s.rpc_url}", show_header=False)
    table.add_column("item")
    table.add_column("value", overflow="fold")
    table.add_row("current epoch", f"{s.current_epoch}, ends {iso(s.epoch_ends_at)} (in {s.epoch_ends_at - s.now} s)")
    table.add_row("last finalized epoch", "none yet" if s.last_finalized_epoch is None else str(s.last_finalized_epoch))
    table.add_row("pending root", "none" if s.pending_root is None else f"{s.pending_root[:18]}…, claimable {iso(s.claimable_at or 0)}")
    table.add_row("pauses", ", ".join(f"{k} {'paused' if v else 'running'}" for k, v in s.paused.items()))
    age = s.now - s.price_updated_at
    stale = ", older than the price age: post one before this epoch ends" if age > d.manifest.parameters["max_price_age"] else ""
    table.add_row("price", f"{PRICE.show(s.price)} per {fly.name}, {age} s old{stale}" if s.price else "none posted")
    next_epoch = 0 if s.last_finalized_epoch is None else s.last_finalized_epoch + 1
    table.add_row("revenue pool", f"{dollars.show(s.revenue_pool_base)} for epoch {next_epoch}, the next to close")
    table.add_row("minted", f"{fly.show(s.minted_base)} of {fly.show(s.max_supply_base)}")
    return table


def status(rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
           fmt: StatusFormat = typer.Option(StatusFormat.table, "--format", case_sensitive=False, help="table or json.")) -> None:
    """Epoch, pending root, pauses, price, revenue pool and supply of a deployment."""
    session = open_session(rpc_url, deployment)
    s = read_status(session)
    if fmt == StatusFormat.json:
        console.print_json(json.dumps(status_json(s)))
    else:
        console.print(status_table(s, session.d))


# --- payments ------------------------------------------------------------------------------


def faucet(amount: str = typer.Option(..., "--amount", help="USD to mint to the signer (mock payment token only)."),
           rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
           dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Mint mock USD to the signer, on a local deployment's mock payment token."""
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d = session.d
    if not d.manifest.payment_token_is_mock:
        raise FlywheelError("faucet works only with the mock payment token of a local deployment; this one uses a real stablecoin")
    base = usd(d).parse(amount, "--amount")
    cap = d.payment_token.functions.MAX_FAUCET().call()
    if base > cap:
        raise FlywheelError(f"--amount is above the faucet's limit of {usd(d).show(cap)} per call")
    sender = session.sender()
    sender.call(d.payment_token.functions.faucet(base), "faucet")
    balance = d.payment_token.functions.balanceOf(sender.address).call()
    console.print(f"minted {usd(d).show(base)} to {sender.address}; balance {usd(d).show(balance)}")


def pay(amount: str = typer.Option(..., "--amount", help="USD to pay, gross (the protocol fee comes out of it)."),
        reference: str = typer.Option("", "--reference", help="Your own reference (order or invoice id), up to 32 bytes."),
        rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
        dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Pay the network for service: approves the gateway when needed, then pays; prints the fee."""
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d = session.d
    dollars = usd(d)
    base = dollars.parse(amount, "--amount")
    ref = _reference(reference)
    if d.payment_gateway.functions.paused().call():
        raise FlywheelError("payments are paused: a guardian paused the gateway (`flywheel unpause payments` needs the admin)")
    sender = session.sender()
    balance = d.payment_token.functions.balanceOf(sender.address).call()
    if balance < base:
        raise FlywheelError(f"the signer {sender.address} has {dollars.show(balance)}, less than {dollars.show(base)}")
    gateway = d.payment_gateway.address
    if d.payment_token.functions.allowance(sender.address, gateway).call() < base:
        sender.call(d.payment_token.functions.approve(gateway, base), "approving the gateway")
    # The fee is read now and passed as the most the payment accepts: a fee raised before it is mined reverts it.
    fee_bps = d.payment_gateway.functions.fee_bps().call()
    sender.call(d.payment_gateway.functions.pay(base, ref, fee_bps), "paying")
    fee = -(-base * fee_bps // 10_000)  # the gateway rounds the fee up
    console.print(f"paid {dollars.show(base)} from {sender.address}: fee {dollars.show(fee)} to the treasury, "
                  f"{dollars.show(base - fee)} to epoch {d.payment_gateway.functions.current_epoch().call()}'s revenue pool")


def _reference(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > 32:
        raise FlywheelError(f"--reference is {len(raw)} bytes of UTF-8; at most 32 fit")
    return raw.ljust(32, b"\0")


# --- price ---------------------------------------------------------------------------------

price_app = typer.Typer(help="The network token's USD price.", no_args_is_help=True)


@price_app.command("post")
def price_post(usd_price: str = typer.Option(..., "--usd", help="USD per whole network token, up to 8 decimals."),
               rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
               dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Post the token's price to the price feed (reporter only)."""
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d = session.d
    price = PRICE.parse(usd_price, "--usd")
    sender = session.sender()
    require_role(d, "price_feed", "reporter", sender.address, "posting a price")
    sender.call(d.price_feed.functions.post_price(price), "posting the price")
    console.print(f"posted {PRICE.show(price)} per {token(d).name} in epoch {d.price_feed.functions.current_epoch().call()}")


# --- nodes ---------------------------------------------------------------------------------

node_app = typer.Typer(help="Register and retire nodes (hardware units).", no_args_is_help=True)
NodeIdOption = typer.Option(..., "--node-id", help="The node's salt: any text (hashed: keccak256 of its UTF-8) or 0x and "
                            "64 hex digits. Its id is derived from the signer and the salt.")


def salt_of(text: str) -> bytes:
    """0x and 64 hex digits as they are; any other text hashed (keccak256 of its UTF-8), so serial numbers and
    names make salts. Ids are never reused, so text that would hash to a look-alike salt is refused, not guessed at."""
    if not text.strip():
        raise FlywheelError("--node-id must not be empty")
    if text != text.strip() or any(not c.isprintable() for c in text):
        raise FlywheelError(f"--node-id {text!r} has spaces at its ends or control characters: ids are never reused, "
                            "so a stray character would register a different node for good")
    if text[:2] in ("0x", "0X"):
        try:
            value = bytes.fromhex(text[2:])
        except ValueError:
            value = b""
        if len(value) != 32:
            raise FlywheelError(f"--node-id {text!r} starts with 0x but is not 64 hex digits "
                                "(drop the 0x to use it as text, which is hashed)")
        if value == bytes(32):
            raise FlywheelError("--node-id must not be zero")
        return value
    return keccak(text=text)


def node_id(owner: str, salt: bytes) -> bytes:
    """The id NodeRegistry gives `owner` for `salt`: keccak256(abi.encode(owner, salt)). Computed here rather than
    asked of the registry: the session has already checked the deployed code is ours, so this saves a call."""
    return keccak(abi_encode(["address", "bytes32"], [owner, salt]))


@node_app.command("register")
def node_register(node_id_text: str = NodeIdOption, rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
                  dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Register a node to the signer."""
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d, salt = session.d, salt_of(node_id_text)
    sender = session.sender()
    nid = node_id(sender.address, salt)
    owner = d.node_registry.functions.owner_of(nid).call()
    if int(owner, 16):
        raise FlywheelError(f"node 0x{nid.hex()} is already registered (to {owner}); ids are never reused")
    sender.call(d.node_registry.functions.register(salt), "registering the node")
    console.print(f"registered node 0x{nid.hex()} (salt 0x{salt.hex()}) to {sender.address}")


@node_app.command("retire")
def node_retire(node_id_text: str = NodeIdOption, rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
                dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Retire one of the signer's nodes."""
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d, salt = session.d, salt_of(node_id_text)
    registry = d.node_registry.functions
    sender = session.sender()
    nid = node_id(sender.address, salt)
    owner = registry.owner_of(nid).call()
    if not int(owner, 16):
        # Another account's node with this salt has another id: say whose id was looked up.
        raise FlywheelError(f"node 0x{nid.hex()} is not registered (ids are derived from the signer {sender.address} "
                            "and the salt, so retire a node with the account that registered it)")
    # Unreachable while the id binds its owner; kept so that a registry which stopped binding it is
    # refused here, with the owner named, rather than by a reverted transaction.
    if owner.lower() != sender.address.lower():
        raise FlywheelError(f"node 0x{nid.hex()} is owned by {owner}, not by the signer {sender.address}")
    if registry.retired(nid).call():
        raise FlywheelError(f"node 0x{nid.hex()} is already retired")
    sender.call(registry.retire(salt), "retiring the node")
    console.print(f"retired node 0x{nid.hex()} (salt 0x{salt.hex()}) of {sender.address}")


# --- pause, unpause, revoke ------------------------------------------------------------------

@dataclass(frozen=True)
class Lever:
    """One pause switch: the contract that holds it and the names of its view and its two functions."""

    contract: str  # manifest key
    view: str
    pause: str
    unpause: str
    noun: str  # "claims are", "finalization is": how the messages name it

    def fn(self, d: Deployment, name: str) -> Any:
        return getattr(getattr(d, self.contract).functions, name)()


LEVERS = {
    Target.payments: Lever("payment_gateway", "paused", "pause", "unpause", "payments are"),
    Target.claims: Lever("reward_distributor", "paused", "pause", "unpause", "claims are"),
    # A separate brake from claims: a suspect root waiting out its delay is stopped without stopping claims.
    Target.finalization: Lever("reward_distributor", "finalization_paused", "pause_finalization", "unpause_finalization",
                               "finalization is"),
}


def _set_paused(target: Target, paused: bool, rpc_url: str | None, deployment: Path, dev_account: int | None,
                keystore: Path | None) -> None:
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d, lever = session.d, LEVERS[target]
    if lever.fn(d, lever.view).call() == paused:
        console.print(f"{lever.noun} already {'paused' if paused else 'running'}: nothing sent")
        return
    sender = session.sender()
    # Pausing is the guardian's quick brake; resuming is the admin's considered decision.
    require_role(d, lever.contract, "guardian" if paused else "admin", sender.address, "pausing" if paused else "unpausing")
    sender.call(lever.fn(d, lever.pause if paused else lever.unpause), f"{'pausing' if paused else 'unpausing'} {target.value}")
    console.print(f"{target.value} {'paused' if paused else 'resumed'}")


TargetArgument = typer.Argument(..., case_sensitive=False, help="payments, claims or finalization.")


def pause(target: Target = TargetArgument, rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
          dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Pause payments, claims or finalization (guardian only)."""
    _set_paused(target, True, rpc_url, deployment, dev_account, keystore)


def unpause(target: Target = TargetArgument, rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
            dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Resume payments, claims or finalization (admin only)."""
    _set_paused(target, False, rpc_url, deployment, dev_account, keystore)


def revoke(epoch: int = typer.Option(..., "--epoch", min=0, help="The latest finalized epoch, whose root is still pending."),
           rpc_url: str = RpcOption, deployment: Path = DeploymentOption,
           dev_account: int = DevAccountOption, keystore: Path = KeystoreOption) -> None:
    """Revoke the latest root before it takes effect (guardian only); the epoch can then be closed again."""
    session = open_session(rpc_url, deployment, dev_account, keystore)
    s = read_status(session)
    if s.last_finalized_epoch is None or epoch != s.last_finalized_epoch:
        latest = "no epoch is finalized yet" if s.last_finalized_epoch is None else f"the latest is {s.last_finalized_epoch}"
        raise FlywheelError(f"only the latest finalized epoch's root can be revoked: {latest}")
    if s.pending_root is None:
        raise FlywheelError(f"epoch {epoch}'s root is already in effect: it can no longer be revoked")
    d = session.d
    sender = session.sender()
    require_role(d, "reward_distributor", "guardian", sender.address, "revoking a root")
    sender.call(d.reward_distributor.functions.revoke(epoch), f"revoking epoch {epoch}")
    # A root that closed a range is revoked whole: every epoch of it is open again.
    first = d.reward_distributor.functions.next_epoch().call()
    again = f"epoch {epoch}" if first == epoch else f"epochs {first} to {epoch} (--epoch {first} --through {epoch})"
    console.print(f"revoked epoch {epoch}'s root {s.pending_root}; close {again} again with a corrected work file")
