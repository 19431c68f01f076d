"""Drive a deployment through epochs of a simulated network on a local chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from indexer.app import Log, quiet
from indexer.app.connect import chain_line, reach
from indexer.chain import accounts
from indexer.errors import FlywheelError
from indexer.settle.store import SettlementStore, default_dir
from indexer.sim.run import EpochRecord, Simulation
from indexer.sim.scenario import Scenario

OnEpoch = Callable[[EpochRecord], None]
# Called with the number of epochs once every check has passed; what it yields hears each closed epoch.
EpochProgress = Callable[[int], AbstractContextManager[OnEpoch]]


def no_progress(epochs: int) -> AbstractContextManager[OnEpoch]:
    return nullcontext(lambda record: None)


@dataclass
class Simulated:
    sim: Simulation
    records: list[EpochRecord]
    seconds: float
    payment_decimals: int


def simulate(rpc_url: str | None, deployment: Path, epochs: int, seed: int, scenario: Scenario,
             store_dir: Path | None = None, *, log: Log = quiet, progress: EpochProgress = no_progress) -> Simulated:
    url, d = reach(rpc_url, deployment)
    if d.manifest.chain_id != accounts.LOCAL_CHAIN_ID:
        raise FlywheelError(f"simulate drives a local anvil (chain 31337), not chain {d.manifest.chain_id}")
    if not d.manifest.payment_token_is_mock:
        raise FlywheelError("simulate needs the MockUSD payment token of a local deployment")
    log(chain_line(url, d.manifest.chain_id))
    sim = Simulation(d, SettlementStore(store_dir or default_dir(deployment)), scenario, seed)
    started = time.monotonic()
    with progress(epochs) as on_epoch:
        records = sim.run(epochs, on_epoch)
    return Simulated(sim, records, time.monotonic() - started, d.manifest.payment_decimals)
