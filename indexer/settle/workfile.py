"""Read a work file: CSV with the header `account,work_units`, one row per contributor."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

from indexer.errors import FlywheelError

HEADER = ["account", "work_units"]


def _account(raw: str, where: str) -> str:
    value = raw.strip()
    if not is_hex_address(value):
        raise FlywheelError(f"{where}: {value!r} is not an address")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise FlywheelError(f"{where}: {value!r} has a wrong checksum (use the checksummed or the lower-case form)")
    return to_checksum_address(value)


def _units(raw: str, where: str) -> int:
    value = raw.strip()
    if not value.isdigit() or int(value) <= 0:
        raise FlywheelError(f"{where}: work_units {value!r} is not a positive integer")
    return int(value)


def parse(text: str, name: str = "work file") -> dict[str, int]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise FlywheelError(f"{name} is empty")
    if [c.strip() for c in rows[0]] != HEADER:
        raise FlywheelError(f"{name} line 1: the header must be 'account,work_units', not {','.join(rows[0])!r}")
    work: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        where = f"{name} line {number}"
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            raise FlywheelError(f"{where}: expected 2 fields, found {len(row)}")
        account = _account(row[0], where)
        if account in work:
            raise FlywheelError(f"{where}: {account} appears more than once")
        work[account] = _units(row[1], where)
    if not work:
        raise FlywheelError(f"{name} has no contributors")
    return work


def load(path: Path) -> dict[str, int]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise FlywheelError(f"work file not found: {path}") from None
    except UnicodeDecodeError:
        raise FlywheelError(f"work file {path} is not text") from None
    return parse(text, str(path))


def dump(work: dict[str, int]) -> str:
    lines = [",".join(HEADER)] + [f"{account},{units}" for account, units in work.items()]
    return "\n".join(lines) + "\n"
