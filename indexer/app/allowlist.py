"""The demand screen's allow list: read from a person's file, stored whole in `allowed_account`.

The list names accounts that deal with everyone (exchanges, OTC desks, a
treasury), which the demand screen must neither flag nor treat as a source of
taint (`indexer.reports.screen`). A person keeps it as a file, so the file is
the truth: loading it replaces the table in one transaction, and a file with
one bad line changes nothing, so the list is never half old and half new.
Each refusal names the file and the line, since the fix is an edit there.

A file is either CSV with the header `account` (optionally `account,note`) or
one address per line; addresses checksummed or lower-case, stored lower-case
as the event tables store them. A CSV header alone empties the list; a blank
file is refused as the likelier mistake.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.engine import Engine

from indexer import userfiles
from indexer.db.schema import allowed_account
from indexer.errors import FlywheelError
from indexer.settle.workfile import address

WHAT = "allow list file"


def read(path: Path) -> dict[str, str]:
    """account (lower-case) -> note, in the file's order."""
    lines = userfiles.text(path, WHAT).splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise FlywheelError(f"{WHAT} {path} lists no accounts")
    first = numbered[0][1].split(",")[0].strip().lower()
    if first == "account":
        rows = _csv_rows(path, numbered)
    else:
        rows = [(n, line, "") for n, line in numbered]
    accounts: dict[str, str] = {}
    seen: dict[str, int] = {}
    for n, raw, note in rows:
        where = f"{path} line {n}"
        account = address(raw, where).lower()
        if account in seen:
            raise FlywheelError(f"{where}: {account} is listed already (line {seen[account]})")
        seen[account] = n
        accounts[account] = note
    return accounts


def _csv_rows(path: Path, numbered: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(line, address, note) of a CSV file with a header; a note may be quoted to hold commas, not line breaks."""
    header_line, header = numbered[0]
    columns = [c.strip().lower() for c in next(csv.reader([header]))]
    if columns not in (["account"], ["account", "note"]):
        raise FlywheelError(f"{path} line {header_line}: the header must be `account` or `account,note`, not {header.strip()!r}")
    rows = []
    for n, line in numbered[1:]:
        fields = next(csv.reader(io.StringIO(line)))
        if len(fields) > len(columns):
            raise FlywheelError(f"{path} line {n}: {len(fields)} fields where the header has {len(columns)}")
        rows.append((n, fields[0], fields[1].strip() if len(fields) > 1 else ""))
    return rows


def replace(engine: Engine, accounts: dict[str, str]) -> int:
    """Make `accounts` the allow list, in one transaction; returns how many accounts are on it."""
    with engine.begin() as conn:
        if not inspect(conn).has_table(allowed_account.name):
            raise FlywheelError("the database has no allow list table: run `flywheel db upgrade` first")
        conn.execute(delete(allowed_account))
        if accounts:
            conn.execute(allowed_account.insert(), [{"account": a, "note": note} for a, note in accounts.items()])
        return conn.execute(select(func.count()).select_from(allowed_account)).scalar_one()

