"""Read a work file: CSV with the header `account,work_units`, one row per contributor.

Every refusal names the file and line, because the file is typed or exported by a person
and the fix is an edit to that line. Beyond well-formed rows it refuses what would post a
root nobody can use or that the contract cannot settle: the zero address and the
deployment's own contracts (rewards sent there are lost), and units or a total past
2**256-1, which no uint256 on chain can carry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

from indexer import userfiles
from indexer.errors import FlywheelError

HEADER = ["account", "work_units"]
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


def parse(text: str, name: str = "work file", forbidden: Mapping[str, str] | None = None) -> dict[str, int]:
    """account -> work units; `forbidden` maps addresses that may not earn (the deployment's contracts) to their names."""
    rows = list(csv.reader(io.StringIO(text.removeprefix(userfiles.BOM))))
    if not rows:
        raise FlywheelError(f"{name} is empty")
    if [c.strip() for c in rows[0]] != HEADER:
        raise FlywheelError(f"{name} line 1: the header must be 'account,work_units', not {','.join(rows[0])!r}")
    refused = _checksummed(forbidden)
    work: dict[str, int] = {}
    total = 0
    for number, row in enumerate(rows[1:], start=2):
        where = f"{name} line {number}"
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            raise FlywheelError(f"{where}: expected 2 fields, found {len(row)}")
        account = _account(row[0], where, refused)
        if account in work:
            raise FlywheelError(f"{where}: {account} appears more than once")
        work[account] = _units(row[1], where)
        total += work[account]
        if total > UINT256_MAX:
            raise FlywheelError(f"{where}: the total of work_units passes 2**256-1, more than a uint256 holds")
    if not work:
        raise FlywheelError(f"{name} has no contributors")
    return work


def load(path: Path, forbidden: Mapping[str, str] | None = None) -> dict[str, int]:
    return parse(userfiles.text(path, "work file"), str(path), forbidden)


def dump(work: dict[str, int]) -> str:
    lines = [",".join(HEADER)] + [f"{account},{units}" for account, units in work.items()]
    return "\n".join(lines) + "\n"
