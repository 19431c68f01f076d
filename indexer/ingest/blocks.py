"""What the fetcher hands the writer: block headers, a fetched range, and the checkpoint a stream stands on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Checkpoint(NamedTuple):
    """The last block a stream has indexed; its hash vouches for every block below it."""

    number: int
    hash: str


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    time: int = 0

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.number, self.hash)


@dataclass(frozen=True)
class Batch:
    """One fetched range: its rows ready for a bulk insert, and the headers of at least its first and last block."""

    start: int
    end: int
    rows: dict[str, list[tuple]]  # table -> rows
    headers: dict[int, Header]

    @property
    def last(self) -> Header:
        return self.headers[self.end]
