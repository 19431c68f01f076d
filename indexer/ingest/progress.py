"""Backfill progress: a Rich bar on a terminal, a plain log line every few seconds otherwise."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

LOG_EVERY = 5.0


class BackfillProgress:
    def __init__(self, log, tty: bool | None = None) -> None:
        self.log = log
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.bar: Progress | None = None
        self.task = None
        self.blocks = 0
        self.events = 0
        self.started = time.monotonic()
        self.last_log = self.started
        self.total = 0

    def start(self, total_blocks: int) -> None:
        self.total = total_blocks
        self.blocks = self.events = 0
        self.started = self.last_log = time.monotonic()
        if self.tty and total_blocks > 0:
            self.bar = Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TextColumn("blocks"),
                                TextColumn("{task.fields[rates]}"), TimeRemainingColumn(), console=Console(stderr=True))
            self.task = self.bar.add_task("backfill", total=total_blocks, rates="")
            self.bar.start()

    def advance(self, blocks: int, events: int) -> None:
        self.blocks += blocks
        self.events += events
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rates = f"{self.blocks / elapsed:,.0f} blocks/s, {self.events / elapsed:,.0f} events/s"
        if self.bar is not None:
            self.bar.update(self.task, advance=blocks, rates=rates)
        elif time.monotonic() - self.last_log >= LOG_EVERY:
            self.last_log = time.monotonic()
            eta = (self.total - self.blocks) / max(self.blocks / elapsed, 1e-9)
            self.log(f"backfill: {self.blocks}/{self.total} blocks, {self.events} events ({rates}, about {eta:,.0f} s to go)")

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        elapsed = max(time.monotonic() - self.started, 1e-9)
        if self.blocks:
            self.log(f"backfill: {self.blocks} blocks, {self.events} events in {elapsed:.1f} s ({self.events / elapsed:,.0f} events/s)")
