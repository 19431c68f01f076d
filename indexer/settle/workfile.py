"""Read a work file: CSV of the work each contributor, or each of their nodes, did.

Three forms, told apart by the header:

- `account,work_units`: a row per contributor, each account once;
- `account,work_units,node_id`: a row per node, with its owner; an account repeats once per node;
- `node_id,work_units`: a row per node, its owner left to the NodeRegistry (`Work.with_owners`).

A `node_id` is the NodeRegistry's id, `0x` and 64 lower-case hex digits, and may appear once.
Allocation is per account either way, on the sum of its nodes' units (`Work.accounts`).

Every refusal names the file and line, because the file is typed or exported by a person
and the fix is an edit to that line. Beyond well-formed rows it refuses what would post a
root nobody can use or that the contract cannot settle: the zero address and the
deployment's own contracts (rewards sent there are lost), and units or a total past
2**256-1, which no uint256 on chain can carry. Whether the nodes are registered, active and
owned as the file says is the chain's to answer: `indexer.settle.nodes`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

from indexer import userfiles
from indexer.errors import FlywheelError

HEADER = ["account", "work_units"]
NODE_HEADER = ["account", "work_units", "node_id"]
OWNERLESS_HEADER = ["node_id", "work_units"]
_HEADERS = {tuple(h): h for h in (HEADER, NODE_HEADER, OWNERLESS_HEADER)}
_NODE_ID = re.compile(r"0x[0-9a-f]{64}")
ZERO_ADDRESS = "0x" + "00" * 20
UINT256_MAX = 2**256 - 1
_UINT256_DIGITS = len(str(UINT256_MAX))


def address(raw: str, where: str) -> str:
    """`raw` as a checksummed address: hex, and a right checksum when it is mixed-case."""
    value = raw.strip()
    if not is_hex_address(value):
        raise FlywheelError(f"{where}: {value!r} is not an address")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise FlywheelError(f"{where}: {value!r} has a wrong checksum (use the checksummed or the lower-case form)")
    return to_checksum_address(value)


def _account(raw: str, where: str, forbidden: Mapping[str, str]) -> str:
    """A contributor: an address that can be rewarded."""
    account = address(raw, where)
    if account == ZERO_ADDRESS:
        raise FlywheelError(f"{where}: the zero address cannot be rewarded")
    if account in forbidden:
        raise FlywheelError(f"{where}: {account} is the deployment's {forbidden[account]} contract, not a contributor")
    return account


def _units(raw: str, where: str) -> int:
    value = raw.strip()
    digits = value.lstrip("0")
    # ASCII only: str.isdigit also accepts superscripts and other scripts' digits.
    if not (value.isascii() and value.isdigit()) or not digits:
        raise FlywheelError(f"{where}: work_units {value!r} is not a positive integer")
    # The length is checked first because int() refuses strings past 4300 digits.
    if len(digits) > _UINT256_DIGITS or int(digits) > UINT256_MAX:
        raise FlywheelError(f"{where}: work_units {_short(value)} is more than a uint256 holds (2**256-1)")
    return int(digits)


def _short(value: str) -> str:
    """A number as it fits in one line of an error message."""
    return value if len(value) <= 90 else f"{value[:40]}...{value[-10:]} ({len(value)} digits)"


def _checksummed(forbidden: Mapping[str, str] | None) -> dict[str, str]:
    return {to_checksum_address(address): name for address, name in (forbidden or {}).items()}


@dataclass(frozen=True)
class Work:
    """A work file's content: what each account earns on, and in the node forms each node's share of it."""

    accounts: dict[str, int]  # checksummed account -> work units (sum of its nodes)
    nodes: dict[str, tuple[str | None, int]]  # node_id -> (owner account or None when the file does not say, units); {} in the two-column form
    # node_id -> its line in the file it was read from, for refusals that come later (the registry's); not content.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def with_owners(self, owners: Mapping[str, str]) -> Work:
        """Fills the owners the file left out (the `node_id,work_units` form) from `owners` (node_id -> account),
        recomputing `accounts`; an owner the file names is kept. A node left without an owner is refused."""
        if all(owner is not None for owner, _ in self.nodes.values()):
            return self
        nodes = {}
        for node, (owner, units) in self.nodes.items():
            if owner is None:
                if node not in owners:
                    raise FlywheelError(f"{self.where('work file', node)}: the owner of node {node} is not known")
                owner = to_checksum_address(owners[node])
            nodes[node] = (owner, units)
        return replace(self, accounts=_by_owner(nodes), nodes=nodes)

    def where(self, name: str, node: str) -> str:
        """How a refusal names the row of `node`: its line when the file was read here."""
        return f"{name} line {self.lines[node]}" if node in self.lines else f"{name}, node {node}"


def _by_owner(nodes: Mapping[str, tuple[str | None, int]]) -> dict[str, int]:
    """Each owner's units, the sum of its nodes', in the order owners first appear; ownerless nodes count for no one."""
    accounts: dict[str, int] = {}
    for owner, units in nodes.values():
        if owner is not None:
            accounts[owner] = accounts.get(owner, 0) + units
    return accounts


def of_nodes(nodes: Iterable[tuple[str, str, int]]) -> Work:
    """Node-level work built in code, from (node_id, owner, units) rows; owners are checksummed."""
    by_node = {node: (to_checksum_address(owner), units) for node, owner, units in nodes}
    return Work(accounts=_by_owner(by_node), nodes=by_node)


def _node_id(raw: str, where: str) -> str:
    value = raw.strip()
    if not _NODE_ID.fullmatch(value):
        raise FlywheelError(f"{where}: node_id {_short(value)!r} is not 0x and 64 lower-case hex digits")
    return value


def _header(row: list[str], name: str) -> list[str]:
    header = _HEADERS.get(tuple(c.strip() for c in row))
    if header is None:
        raise FlywheelError(f"{name} line 1: the header must be 'account,work_units', 'account,work_units,node_id' "
                            f"or 'node_id,work_units', not {','.join(row)!r}")
    return header


def parse(text: str, name: str = "work file", forbidden: Mapping[str, str] | None = None) -> Work:
    """The file's work; `forbidden` maps addresses that may not earn (the deployment's contracts) to their names."""
    rows = list(csv.reader(io.StringIO(text.removeprefix(userfiles.BOM))))
    if not rows:
        raise FlywheelError(f"{name} is empty")
    header = _header(rows[0], name)
    refused = _checksummed(forbidden)
    accounts: dict[str, int] = {}
    nodes: dict[str, tuple[str | None, int]] = {}
    lines: dict[str, int] = {}
    total = 0
    for number, row in enumerate(rows[1:], start=2):
        where = f"{name} line {number}"
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise FlywheelError(f"{where}: expected {len(header)} fields, found {len(row)}")
        cells = dict(zip(header, row))
        account = _account(cells["account"], where, refused) if "account" in cells else None
        units = _units(cells["work_units"], where)
        if "node_id" in cells:
            node = _node_id(cells["node_id"], where)
            if node in nodes:
                raise FlywheelError(f"{where}: node {node} appears more than once (first on line {lines[node]})")
            nodes[node] = (account, units)
            lines[node] = number
        elif account in accounts:
            raise FlywheelError(f"{where}: {account} appears more than once")
        if account is not None:
            accounts[account] = accounts.get(account, 0) + units
        total += units
        if total > UINT256_MAX:
            raise FlywheelError(f"{where}: the total of work_units passes 2**256-1, more than a uint256 holds")
    if not accounts and not nodes:
        raise FlywheelError(f"{name} has no contributors")
    return Work(accounts=accounts, nodes=nodes, lines=lines)


def load(path: Path, forbidden: Mapping[str, str] | None = None) -> Work:
    return parse(userfiles.text(path, "work file"), str(path), forbidden)


def dump(work: Work) -> str:
    """The normalized file: two columns without nodes, else `account,work_units,node_id` with every owner."""
    if not work.nodes:
        rows = [",".join(HEADER)] + [f"{account},{units}" for account, units in work.accounts.items()]
    else:
        unknown = [node for node, (owner, _) in work.nodes.items() if owner is None]
        if unknown:
            raise FlywheelError(f"cannot write the work file: the owner of node {unknown[0]} is not known "
                                f"({len(unknown):,} nodes without one); fill them from the NodeRegistry first")
        rows = [",".join(NODE_HEADER)] + [f"{owner},{units},{node}" for node, (owner, units) in work.nodes.items()]
    return "\n".join(rows) + "\n"
