"""The reports' SQL: per-epoch aggregates computed inside the database.

Event rows are never pulled into Python: payments, node counts and supply
changes are GROUP BY queries with window functions, and Python only sees one
row per epoch. (The demand screen's haircut needs per-account state in chain
order, so `indexer.reports.screen` streams the few rows it reads instead.)
The queries use the event tables of `indexer.db.schema`, the ones the indexer
writes and the migrations build, so a table or column renamed there is
renamed here too.

Exact sums: on PostgreSQL uint256 columns are NUMERIC(78,0) and SUM is exact.
SQLite has no exact wide type, so its amounts are stored as text; there the
sum runs natively over 64-bit integers whenever every value fits (checked in
the same query) and through an exact Python aggregate otherwise
(`indexer.db.sqlite_functions`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import (
    BigInteger, Integer, Numeric, Table, and_, case, cast, exists, func, inspect, literal, or_, select, union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from indexer.db.schema import EVENT_TABLES
from indexer.db.sqlite_functions import bigsum
from indexer.errors import FlywheelError

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_INT64_DIGITS = 18  # every 18-digit number fits in a signed 64-bit integer


@dataclass
class Tables:
    """The schema's event tables the reports read, by name, and the dialect they are read in."""

    payment_received: Table
    epoch_finalized: Table
    reward_claimed: Table
    reward_recipient: Table
    root_revoked: Table
    node_registered: Table
    node_retired: Table
    price_updated: Table
    transfer: Table
    dialect: str


_READ = tuple(f.name for f in fields(Tables) if f.name != "dialect")


def tables(conn: Connection) -> Tables:
    """The event tables, once the database is seen to have them all (it may be a database no indexer wrote)."""
    try:
        present = set(inspect(conn).get_table_names())
    except Exception as exc:  # the file is no database, or cannot be read
        raise FlywheelError(f"the database has no Flywheel event tables ({type(exc).__name__}): run `flywheel index run` first") from None
    if not present.issuperset(_READ):
        raise FlywheelError("the database has no Flywheel event tables: run `flywheel index run` first")
    return Tables(**{name: EVENT_TABLES[name] for name in _READ}, dialect=conn.dialect.name)


def as_int(col: ColumnElement, dialect: str) -> ColumnElement:
    """A small uint256 field (epoch, counts, prices) as a plain integer for comparisons."""
    if isinstance(col.type, (Integer, BigInteger)):
        return col
    return cast(col, BigInteger) if dialect == "sqlite" else cast(col, Numeric(78, 0))


def exact_sum(col: ColumnElement, dialect: str, wide: bool) -> ColumnElement:
    """SUM of a uint256 column, exact; `wide` picks SQLite's Python aggregate."""
    if dialect != "sqlite" or isinstance(col.type, (Integer, BigInteger)):
        return func.sum(col)
    return bigsum(col) if wide else func.sum(cast(col, Integer))


def width(col: ColumnElement, dialect: str) -> ColumnElement:
    """The widest value's digit count, read in the same scan as the sums (SQLite only)."""
    if dialect != "sqlite" or isinstance(col.type, (Integer, BigInteger)):
        return literal(0)
    return func.coalesce(func.max(func.length(col)), 0)


def run_exact(conn: Connection, build, dialect: str) -> list:
    """Run `build(wide)` natively first; again exactly if a value was too wide or a sum overflowed.

    `build` returns the statement and the index of its trailing width column.
    """
    stmt, width_at = build(False)
    try:
        rows = conn.execute(stmt).all()
        if dialect != "sqlite" or all((r[width_at] or 0) <= MAX_INT64_DIGITS for r in rows):
            return rows
    except Exception as exc:  # SQLite raises on an integer overflow in SUM
        if "overflow" not in str(exc).lower():
            raise
    return conn.execute(build(True)[0]).all()


def to_int(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return int(str(value).split(".")[0])


@dataclass(frozen=True)
class DeploymentInfo:
    chain_id: int
    genesis: int
    epoch_length: int
    payment_decimals: int
    contracts: dict[str, str]


def _is(col: ColumnElement, address: str) -> ColumnElement:
    """Match an address whichever letter case the store keeps."""
    from eth_utils import to_checksum_address

    return col.in_([address.lower(), to_checksum_address(address)])


def _after(a: Table, b: Table) -> ColumnElement:
    """Row `a` comes after row `b` on chain."""
    return or_(a.c.block_number > b.c.block_number, and_(a.c.block_number == b.c.block_number, a.c.log_index > b.c.log_index))


def _standing(t: Tables, d: DeploymentInfo, *columns: ColumnElement):
    """The finalizations that stand (the latest of their epoch, not revoked), with `columns`, by epoch."""
    ef = t.epoch_finalized
    newer = ef.alias("newer")
    rr = t.root_revoked
    dist = d.contracts["reward_distributor"]
    return (
        select(as_int(ef.c.epoch, t.dialect).label("epoch"), *columns)
        .where(_is(ef.c.contract, dist), ef.c.chain_id == d.chain_id)
        .where(~exists().where(newer.c.contract == ef.c.contract, newer.c.chain_id == ef.c.chain_id, newer.c.epoch == ef.c.epoch, _after(newer, ef)))
        .where(~exists().where(rr.c.contract == ef.c.contract, rr.c.chain_id == ef.c.chain_id, rr.c.epoch == ef.c.epoch, _after(rr, ef)))
        .order_by("epoch")
    )


def finalized(conn: Connection, t: Tables, d: DeploymentInfo) -> list[tuple[int, int, int, int]]:
    """(epoch, subsidy, revenue, price) of every epoch whose latest finalization stands (not revoked)."""
    ef = t.epoch_finalized.c
    stmt = _standing(t, d, ef.subsidy, ef.revenue, ef.price)
    return [(int(e), to_int(s), to_int(r), to_int(p)) for e, s, r, p in conn.execute(stmt)]


def standing_roots(conn: Connection, t: Tables, d: DeploymentInfo) -> dict[int, str]:
    """epoch -> the root that stands for it: the settlement ledger's rows count only where they were checked against it."""
    return {int(e): root.lower() for e, root in conn.execute(_standing(t, d, t.epoch_finalized.c.root))}


def ledger_epoch(t: Tables, d: DeploymentInfo, row: Table) -> ColumnElement:
    """The epoch of the last `EpochFinalized` before `row` on chain (revoked or not; None before the first): the
    entitlements a claim could draw on, and the ledger's time for mints and burns. Epochs are finalized in
    order, so the last one is the highest: one step down the block index per row, not a scan."""
    ef = t.epoch_finalized
    return (select(as_int(ef.c.epoch, t.dialect))
            .where(_is(ef.c.contract, d.contracts["reward_distributor"]), ef.c.chain_id == row.c.chain_id, _after(row, ef))
            .order_by(ef.c.block_number.desc(), ef.c.log_index.desc()).limit(1)
            .scalar_subquery())


def payments_by_epoch(conn: Connection, t: Tables, d: DeploymentInfo, customers=None) -> dict[int, tuple[int, int, int]]:
    """epoch -> (gross, fees, count) of payments, optionally only those matched by `customers(p)`."""
    p = t.payment_received
    epoch = as_int(p.c.epoch, t.dialect).label("epoch")

    def build(wide: bool):
        stmt = select(epoch, exact_sum(p.c.amount, t.dialect, wide), exact_sum(p.c.fee, t.dialect, wide), func.count(),
                      width(p.c.amount, t.dialect))
        stmt = stmt.where(_is(p.c.contract, d.contracts["payment_gateway"]), p.c.chain_id == d.chain_id)
        if customers is not None:
            stmt = customers(stmt, p)
        return stmt.group_by(epoch), 4

    return {int(r[0]): (to_int(r[1]), to_int(r[2]), int(r[3])) for r in run_exact(conn, build, t.dialect)}


def node_changes(conn: Connection, t: Tables, d: DeploymentInfo) -> list[tuple[int, int]]:
    """(epoch, nodes active after that epoch) at every epoch where the count changed, by a window sum."""
    reg, ret = t.node_registered, t.node_retired
    registry = d.contracts["node_registry"]
    deltas = union_all(
        select(as_int(reg.c.epoch, t.dialect).label("epoch"), literal(1).label("delta")).where(_is(reg.c.contract, registry), reg.c.chain_id == d.chain_id),
        select(as_int(ret.c.epoch, t.dialect).label("epoch"), literal(-1).label("delta")).where(_is(ret.c.contract, registry), ret.c.chain_id == d.chain_id),
    ).subquery("deltas")
    per_epoch = select(deltas.c.epoch, func.sum(deltas.c.delta).label("change")).group_by(deltas.c.epoch).subquery("per_epoch")
    running = select(per_epoch.c.epoch, func.sum(per_epoch.c.change).over(order_by=per_epoch.c.epoch)).order_by(per_epoch.c.epoch)
    return [(int(e), int(n)) for e, n in conn.execute(running)]


def supply_by_epoch(conn: Connection, t: Tables, d: DeploymentInfo) -> dict[int, tuple[int, int]]:
    """epoch -> (minted, burned) network tokens, the epoch taken from each transfer's block time."""
    tr = t.transfer
    epoch = ((tr.c.block_time - d.genesis) / d.epoch_length).label("epoch")
    minted = case((_is(tr.c.sender, ZERO_ADDRESS), tr.c.value))
    burned = case((_is(tr.c.receiver, ZERO_ADDRESS), tr.c.value))

    def build(wide: bool):
        stmt = (select(epoch, exact_sum(minted, t.dialect, wide), exact_sum(burned, t.dialect, wide), width(tr.c.value, t.dialect))
                .where(_is(tr.c.contract, d.contracts["network_token"]), tr.c.chain_id == d.chain_id)
                .where(or_(_is(tr.c.sender, ZERO_ADDRESS), _is(tr.c.receiver, ZERO_ADDRESS)))
                .group_by(epoch))
        return stmt, 3

    return {int(r[0]): (to_int(r[1]), to_int(r[2])) for r in run_exact(conn, build, t.dialect)}
