"""The commit protocol of `indexer.ingest.store`, tested directly: compare-and-set on the checkpoint, two writers
racing for one stream, and rollback by each table's declared policy. No chain: the batches are made here."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, select

from indexer.db import migrate
from indexer.db.engine import make_engine
from indexer.db.schema import EVENT_TABLES, checkpoint, metadata
from indexer.errors import FlywheelError
from indexer.ingest import store
from indexer.ingest.blocks import Batch, Checkpoint, Header
from indexer.ingest.store import StaleCheckpoint, Stream

TOKEN = "0x" + "aa" * 20
STREAM = Stream(31337, "0x" + "dd" * 20, (TOKEN,))
WINDOW = 16


def _hash(n: int, branch: str = "a") -> str:
    return "0x" + f"{branch}{n:063x}"[-64:]


def _header(n: int, branch: str = "a") -> Header:
    return Header(n, _hash(n, branch), _hash(n - 1, "a" if n - 1 <= 0 else branch), 1_000 + n)


def _transfer(n: int, dialect: str, index: int = 0) -> tuple:
    value = 10**30 + n  # beyond 64 bits, as real amounts are
    return (31337, n, _hash(n), 1_000 + n, "0x" + f"{n:032x}{index:032x}", index, TOKEN,
            "0x" + "01" * 20, "0x" + "02" * 20, value if dialect == "postgresql" else str(value))


def _batch(start: int, end: int, dialect: str, branch: str = "a") -> Batch:
    headers = {n: _header(n, branch) for n in range(start, end + 1)}
    return Batch(start, end, {"transfer": [_transfer(n, dialect) for n in range(start, end + 1)]}, headers)


@pytest.fixture
def engine(database_url: str):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _commit(engine, prev: Checkpoint | None, batch: Batch) -> Checkpoint:
    with store.transact(engine) as conn:
        return store.commit(conn, STREAM, prev, batch, batch.end, WINDOW)


def _rows(engine) -> list[int]:
    table = EVENT_TABLES["transfer"]
    with engine.connect() as conn:
        return [n for (n,) in conn.execute(select(table.c.block_number).order_by(table.c.block_number))]


def _stored(engine) -> Checkpoint | None:
    with engine.connect() as conn:
        return store.load_checkpoint(conn, STREAM)


def test_commits_move_the_checkpoint_from_the_one_they_saw(engine) -> None:
    d = engine.dialect.name
    first = _commit(engine, None, _batch(1, 3, d))
    assert first == Checkpoint(3, _hash(3)) == _stored(engine)
    second = _commit(engine, first, _batch(4, 5, d))
    assert _stored(engine) == second == Checkpoint(5, _hash(5))
    assert _rows(engine) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("prev", [None, Checkpoint(3, _hash(3, "b")), Checkpoint(2, _hash(2))],
                         ids=["no-row-expected", "same-height-other-hash", "older-block"])
def test_a_stale_checkpoint_writes_nothing(engine, prev) -> None:
    d = engine.dialect.name
    _commit(engine, None, _batch(1, 3, d))
    with pytest.raises(StaleCheckpoint, match="nothing written"):
        _commit(engine, prev, _batch(4, 6, d))
    assert _rows(engine) == [1, 2, 3] and _stored(engine) == Checkpoint(3, _hash(3))
    with engine.connect() as conn:
        headers = conn.execute(select(func.max(store.block_header.c.number))).scalar()
    assert headers == 3


def test_two_writers_racing_from_one_checkpoint_append_the_range_once(engine, database_url) -> None:
    """Both read the same checkpoint, then both try to append the next range at the same moment: one wins, the
    other is refused whole, and the stream holds each block's rows once. Repeated, to vary who goes first."""
    d = engine.dialect.name
    cp = _commit(engine, None, _batch(1, 1, d))
    other = make_engine(database_url)
    try:
        for start in range(2, 12, 2):
            barrier = threading.Barrier(2)
            outcome: dict[str, object] = {}

            def write(name: str, eng) -> None:
                barrier.wait()
                try:
                    outcome[name] = _commit(eng, cp, _batch(start, start + 1, d))
                except StaleCheckpoint as exc:
                    outcome[name] = exc

            threads = [threading.Thread(target=write, args=(n, e)) for n, e in (("one", engine), ("two", other))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            won = [v for v in outcome.values() if isinstance(v, Checkpoint)]
            lost = [v for v in outcome.values() if isinstance(v, StaleCheckpoint)]
            assert len(won) == 1 and len(lost) == 1, outcome
            cp = won[0]
        assert _rows(engine) == list(range(1, 12))
        assert _stored(engine) == Checkpoint(11, _hash(11))
    finally:
        other.dispose()


def test_rollback_undoes_the_event_log_above_the_fork_and_moves_the_checkpoint_back(engine) -> None:
    d = engine.dialect.name
    cp = _commit(engine, _commit(engine, None, _batch(1, 4, d)), _batch(5, 8, d))
    with store.transact(engine) as conn:
        removed = store.rollback(conn, STREAM, cp, Checkpoint(5, _hash(5)), 9)
    assert removed == 3 and _rows(engine) == [1, 2, 3, 4, 5]
    assert _stored(engine) == Checkpoint(5, _hash(5))
    with engine.connect() as conn:
        assert conn.execute(select(checkpoint.c.head_block)).scalar() == 9
        assert conn.execute(select(func.max(store.block_header.c.number))).scalar() == 5
    # the other branch now appends from the fork point
    _commit(engine, Checkpoint(5, _hash(5)), _batch(6, 7, d, branch="b"))
    assert _rows(engine) == [1, 2, 3, 4, 5, 6, 7]


def test_a_rollback_from_a_stale_checkpoint_removes_nothing(engine) -> None:
    d = engine.dialect.name
    _commit(engine, None, _batch(1, 6, d))
    with pytest.raises(StaleCheckpoint), store.transact(engine) as conn:
        store.rollback(conn, STREAM, Checkpoint(6, _hash(6, "b")), Checkpoint(2, _hash(2)), 7)
    assert _rows(engine) == [1, 2, 3, 4, 5, 6]


def test_rows_of_other_streams_survive_a_rollback(engine) -> None:
    d = engine.dialect.name
    cp = _commit(engine, None, _batch(1, 4, d))
    stranger = list(_transfer(3, d, index=7))
    stranger[6] = "0x" + "ee" * 20  # another deployment's token on the same chain
    with store.transact(engine) as conn:
        store.bulk_insert(conn, "transfer", [tuple(stranger)])
        store.rollback(conn, STREAM, cp, Checkpoint(1, _hash(1)), 5)
    assert _rows(engine) == [1, 3]


def test_every_table_declares_how_a_reorg_undoes_it() -> None:
    assert all("rollback" in table.info for table in metadata.sorted_tables)


def test_rollback_refuses_a_table_without_a_policy_and_runs_a_derived_tables_undo(engine) -> None:
    d = engine.dialect.name
    cp = _commit(engine, None, _batch(1, 4, d))
    undone: list[int] = []
    derived = Table("derived_rollup", metadata, Column("x", Integer), info={"rollback": lambda c, s, fork: undone.append(fork) or 2})
    try:
        with store.transact(engine) as conn:
            assert store.rollback(conn, STREAM, cp, Checkpoint(2, _hash(2)), 5) == 2 + 2
        assert undone == [2]
        derived.info.pop("rollback")
        with pytest.raises(FlywheelError, match="derived_rollup declares no rollback policy"), store.transact(engine) as conn:
            store.rollback(conn, STREAM, Checkpoint(2, _hash(2)), Checkpoint(1, _hash(1)), 5)
        assert _rows(engine) == [1, 2]
    finally:
        metadata.remove(derived)
