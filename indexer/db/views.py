"""Read-only views that make SQLite's event tables queryable by hand: `<table>_v` for every event table.

SQLite stores uint256 fields as decimal text (`indexer.db.types`), so plain SQL over the tables
compares and sorts them as strings (`max(epoch)` is 9 when epoch 51 exists) and sums them as
floats. Each view shows the same rows with every uint256 field in the unit `indexer.chain.system`
declares for it:

- an epoch or a count is an INTEGER (NULL in the impossible case it does not fit 64 bits, rather
  than the largest INTEGER, which is what SQLite's CAST would give);
- an amount or a price is exact decimal text in human units (tokens, USD), next to an
  `<field>_approx` REAL for quick sums and charts, which is as approximate as a double.

The views are plain SQL that the `sqlite3` shell runs too, with no function Flywheel registers;
JSON1 reads the payment token's decimals from each deployment's manifest in
`indexer_deployment`, and which token a `transfer` row moved from its `contract`. A row whose
contract no manifest names has NULL amounts rather than a guess.

PostgreSQL gets no views: its NUMERIC(78,0) columns already compare, sort and sum exactly.

The views are derived objects, rebuilt from the declaration: a migration creates them with
`create`, and one that later changes an event table drops them first (`drop`; SQLite's table
rebuild refuses to rename a table a view reads) and creates them again at its end. `create`
makes a view only for the event tables, and the columns, the database has at that revision, so
an old migration still runs after events are added. `tests/db` checks that a database at the
newest revision has exactly the views the declaration gives.

The README's reference of the event tables and their views is `reference()`, printed by
`python -m indexer.db.views`; `tests/db` checks the README holds it as printed, so a new event
or unit cannot go undocumented.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from indexer.chain import system
from indexer.chain.system import EventLayout
from indexer.chain.units import NETWORK_TOKEN_DECIMALS, PRICE
from indexer.db.schema import EVENTS, deployment

SUFFIX = "_v"
APPROX = "_approx"
MAX_INT64 = str(2**63 - 1)

# The columns every event table starts with: integers already, or text that needs no conversion.
_BASE = ("chain_id", "block_number", "block_hash", "block_time", "tx_hash", "log_index", "contract")

# For a unit measured in decimals, the SQL expression giving them (over the event row `t` and its contract `k`).
_DECIMALS = {
    system.NETWORK_TOKEN: str(NETWORK_TOKEN_DECIMALS),
    system.PAYMENT_TOKEN: "k.payment_decimals",
    system.PRICE: str(PRICE.decimals),
    system.TOKEN_OF_CONTRACT: "k.token_decimals",
}

# Units whose decimals depend on the row's contract, so the view joins `k`.
_PER_CONTRACT = {unit for unit, decimals in _DECIMALS.items() if decimals.startswith("k.")}

# What a reader is told each unit is, in the README's reference.
MEANING = {
    system.INTEGER: "an epoch or a count",
    system.NETWORK_TOKEN: f"network tokens ({NETWORK_TOKEN_DECIMALS} decimals)",
    system.PAYMENT_TOKEN: "USD, the payment token (its decimals: the manifest's `payment_decimals`)",
    system.PRICE: f"USD per network token ({PRICE.decimals} decimals)",
    system.TOKEN_OF_CONTRACT: "the token `contract` is: network tokens, or USD for the payment token",
}

# Per chain and contract address, the deployment's payment decimals and, when the contract is one of the two tokens,
# its own decimals. Grouped, because deployments may share a payment token; the manifest's addresses are checksummed.
_CONTRACTS = f"""k AS (
  SELECT d.chain_id AS chain_id, lower(c.value) AS contract,
         max(json_extract(d.manifest, '$.payment_decimals')) AS payment_decimals,
         max(CASE c.key WHEN 'network_token' THEN {NETWORK_TOKEN_DECIMALS}
                        WHEN 'payment_token' THEN json_extract(d.manifest, '$.payment_decimals') END) AS token_decimals
  FROM {deployment.name} AS d, json_each(d.manifest, '$.contracts') AS c
  GROUP BY d.chain_id, lower(c.value)
)"""


def applies(dialect: str) -> bool:
    return dialect == "sqlite"


def name(table: str) -> str:
    return f"{table}{SUFFIX}"


def integer(x: str) -> str:
    """Decimal text as an INTEGER, NULL past 64 bits: equal-length digit strings compare as numbers."""
    return f"CASE WHEN length({x}) < 19 OR (length({x}) = 19 AND {x} <= '{MAX_INT64}') THEN CAST({x} AS INTEGER) END"


def exact(x: str, decimals: str) -> str:
    """Decimal text of base units as exact decimal text in whole units ("1.5", "0.000001", "0"): left-padded with
    zeros to at least decimals + 1 digits, the point put before the last `decimals`, trailing zeros trimmed."""
    n = f"max(length({x}), {decimals} + 1)"
    padded = f"substr(hex(zeroblob({decimals} + 1)) || {x}, -{n})"
    whole = f"substr({padded}, 1, {n} - {decimals})"
    fraction = f"rtrim(substr({padded}, {n} - {decimals} + 1), '0')"
    return (f"CASE WHEN {decimals} IS NULL THEN NULL WHEN {fraction} = '' THEN {whole} "
            f"ELSE {whole} || '.' || {fraction} END")


def approx(x: str, decimals: str) -> str:
    return f"CAST({x} AS REAL) / CAST('1e' || {decimals} AS REAL)"


@dataclass(frozen=True)
class ViewColumn:
    name: str
    sql: str  # its expression over `t`, the event table, and `k`, the contract's decimals
    type: str  # its SQL type, as the README states it
    meaning: str  # "" for a column as the table has it


def columns(spec: EventLayout, present: set[str] | None = None) -> Iterator[ViewColumn]:
    """The view's columns over `spec`'s table: those of `present` (default: all) in table order, converted."""
    for column in _BASE:
        yield ViewColumn(column, f"t.{column}", "", "")
    for f in spec.fields:
        if present is not None and f.name not in present:
            continue
        x = f"t.{f.name}"
        if f.unit is None:
            yield ViewColumn(f.name, x, "", "")
        elif f.unit == system.INTEGER:
            yield ViewColumn(f.name, integer(x), "INTEGER", MEANING[f.unit])
        else:
            decimals = _DECIMALS[f.unit]
            yield ViewColumn(f.name, exact(x, decimals), "TEXT", f"exact: {MEANING[f.unit]}")
            yield ViewColumn(f"{f.name}{APPROX}", approx(x, decimals), "REAL", f"approximate {f.name}")


def definition(spec: EventLayout, present: set[str] | None = None) -> str:
    cols = list(columns(spec, present))
    select = ",\n  ".join(f"{c.sql} AS {c.name}" for c in cols)
    body = f"SELECT\n  {select}\nFROM {spec.table} AS t"
    if any(f.unit in _PER_CONTRACT for f in spec.fields if present is None or f.name in present):
        body = f"WITH {_CONTRACTS}\n{body}\nLEFT JOIN k ON k.chain_id = t.chain_id AND k.contract = t.contract"
    return f"CREATE VIEW {name(spec.table)} AS\n{body}"


def definitions(present: dict[str, set[str]] | None = None) -> dict[str, str]:
    """View name -> its CREATE VIEW, for the event tables of `present` (table -> its columns; default: all)."""
    return {name(spec.table): definition(spec, None if present is None else present[spec.table])
            for spec in EVENTS if present is None or spec.table in present}


def create(conn: Connection) -> None:
    """Create the views over the event tables the database has now (SQLite only)."""
    if not applies(conn.dialect.name):
        return
    inspector = inspect(conn)
    present = {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}
    for sql in definitions(present).values():
        conn.exec_driver_sql(sql)


def drop(conn: Connection) -> None:
    if not applies(conn.dialect.name):
        return
    for spec in EVENTS:
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name(spec.table)}")


# How each kind of field is stored, in the README's words.
_STORED = {"address": "address", "bytes32": "bytes32", "uint256": "uint256"}


def reference() -> str:
    """The README's table of every event table's own columns and what its view makes of them."""
    lines = ["| table / view | column | stored as | in the view |", "|---|---|---|---|"]
    for spec in EVENTS:
        by_name = {c.name: c for c in columns(spec)}
        label = f"`{spec.table}` / `{name(spec.table)}`<br>{spec.event} of {', '.join(spec.source)}"
        for f in spec.fields:
            shown = by_name[f.name]
            if f.unit is None:
                column, view = f"`{f.name}`", "as stored"
            elif f.unit == system.INTEGER:
                column, view = f"`{f.name}`", f"INTEGER ({MEANING[f.unit]})"
            else:
                approx_of = by_name[f"{f.name}{APPROX}"]
                column = f"`{f.name}`, `{approx_of.name}`"
                view = f"{shown.type}, {shown.meaning}; {approx_of.type}, **approximate**"
            lines.append(f"| {label} | {column} | {_STORED[f.kind]} | {view} |")
            label = ""
        if not spec.fields:
            lines.append(f"| {label} | | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(reference())
