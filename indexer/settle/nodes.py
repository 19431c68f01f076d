"""Check a node-level work file against the NodeRegistry before an epoch is closed on it.

For every node of the file the registry is asked, in batched `eth_call`s, for `owner_of(node_id)`
and `retired(node_id)`. A close is refused, before anything is written or sent, naming the
file's line, for:

- a node that is not registered (`owner_of` is the zero address);
- a node retired before the epoch ended (for `--through`, the range's last epoch);
- a row whose account is not the node's owner.

In the `node_id,work_units` form the owners come from the registry (`Work.with_owners`).

When a node retired: the registry keeps only a bool, `retired`, true from the retiring block on,
so at the chain's head it also answers for nodes retired after the epoch, which did their work.
The time is in the `NodeRetired` event, whose `epoch` is the epoch clock's epoch of the retiring
block, the same `(t - genesis) // epoch_length` that ends epochs. A node retired in epoch `r`
retired at a time before the end of `r`, and no earlier than its start; so it retired before
epoch `E` ended exactly when `r <= E`. A node retired during `E` is refused too: the rule is the
issue's ("retired before the epoch ended"), and it leaves no half-epoch for a node that left to
be argued about. The logs are read only for the nodes the registry says are retired, from the
deployment's block, by topic (the id is indexed), over ranges that shrink when the node refuses
one; no historical state is read, so any node serves, archive or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from indexer.chain.contracts import Deployment
from indexer.chain.rpc import LOGS, Log, RangeTooLarge
from indexer.chain.wallet import Encoder
from indexer.errors import FlywheelError
from indexer.settle.close import calls_batched
from indexer.settle.workfile import ZERO_ADDRESS, Work

NODE_RETIRED = "0x" + keccak(text="NodeRetired(address,bytes32,uint256)").hex()
# Node ids per log query: an OR of topics, which providers bound.
IDS_PER_QUERY = 100


def node_id(owner: str, salt: bytes) -> str:
    """The id the registry gives `owner`'s node registered with `salt`: `keccak256(abi_encode(owner, salt))`."""
    return "0x" + keccak(encode(["address", "bytes32"], [owner, salt])).hex()


@dataclass(frozen=True)
class Registration:
    """What the registry says about one node; `owner` None when it is not registered."""

    owner: str | None
    retired_in: int | None  # the epoch its NodeRetired logged; None while it is active


def read(d: Deployment, ids: Sequence[str]) -> dict[str, Registration]:
    """Each node's owner and, if retired, the epoch it retired in, at the chain's head."""
    registry = d.node_registry.address
    encoder = Encoder(d.node_registry.abi)
    calls = []
    for node in ids:
        raw = bytes.fromhex(node[2:])
        calls += [(registry, encoder("owner_of", raw), ["address"]), (registry, encoder("retired", raw), ["bool"])]
    answers = calls_batched(d, calls)
    owners = {node: to_checksum_address(owner) for node, (owner,) in zip(ids, answers[0::2])}
    retired = [node for node, (gone,) in zip(ids, answers[1::2]) if gone]
    epochs = _retired_epochs(d, retired)
    return {node: Registration(None if owners[node] == ZERO_ADDRESS else owners[node], epochs.get(node)) for node in ids}


def _retired_epochs(d: Deployment, ids: Sequence[str]) -> dict[str, int]:
    """The epoch each of `ids` retired in, from its NodeRetired log."""
    if not ids:
        return {}
    head = d.rpc.block_number()
    found: dict[str, int] = {}
    for i in range(0, len(ids), IDS_PER_QUERY):
        topics = [NODE_RETIRED, None, list(ids[i:i + IDS_PER_QUERY])]
        for log in _logs(d, {"address": d.node_registry.address, "topics": topics}, d.manifest.deploy_block, head):
            found[log.topics[2].lower()] = decode(["uint256"], bytes.fromhex(log.data[2:]))[0]
    missing = [node for node in ids if node not in found]
    if missing:
        raise FlywheelError(f"the NodeRegistry says node {missing[0]} is retired, but the RPC node has no NodeRetired "
                            f"log of it from block {d.manifest.deploy_block} on: is it still syncing?")
    return found


def _logs(d: Deployment, query: dict, start: int, end: int) -> list[Log]:
    """The logs of `query` from block `start` to `end`, halving the range while the node says it is too large."""
    logs: list[Log] = []
    size = end - start + 1
    while start <= end:
        stop = min(end, start + size - 1)
        try:
            logs += d.rpc.call("eth_getLogs", {**query, "fromBlock": hex(start), "toBlock": hex(stop)},
                               result=LOGS, splittable=stop > start)
        except RangeTooLarge:
            size = max(1, (stop - start + 1) // 2)
            continue
        start = stop + 1
    return logs


def refusal(work: Work, name: str, node: str, found: Registration, epoch: int) -> str | None:
    """Why the row of `node` cannot be paid for `epoch`, or None."""
    where = work.where(name, node)
    if found.owner is None:
        return f"{where}: node {node} is not registered in the NodeRegistry"
    if found.retired_in is not None and found.retired_in <= epoch:
        return f"{where}: node {node} was retired in epoch {found.retired_in}, before epoch {epoch} ended"
    account = work.nodes[node][0]
    if account is not None and account != found.owner:
        return f"{where}: {account} is not the owner of node {node}; the NodeRegistry says {found.owner}"
    return None


def check(d: Deployment, work: Work, epoch: int, name: str = "work file") -> Work:
    """`work` with every owner filled from the registry, once every node passed for `epoch` (the last of a range).
    A two-column file has no nodes and passes as it is, without a call."""
    if not work.nodes:
        return work
    registered = read(d, list(work.nodes))
    for node, found in registered.items():
        reason = refusal(work, name, node, found, epoch)
        if reason is not None:
            raise FlywheelError(reason)
    return work.with_owners({node: found.owner for node, found in registered.items() if found.owner is not None})
