"""The whole pipeline on embedded defaults: a local chain, a deployment, a simulated network's
life, its events indexed into SQLite, and the reports.

Each run replaces the files of the one before, so the demo only ever writes into a folder
that is its own: one it created, an empty one it adopted, or one holding its marker file.
Anything else is refused before a chain is started or a file touched; `--out-dir .` in a
project with its own flywheel.db must never delete it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.app import Log, quiet, reports
from indexer.app.deploy import deploy
from indexer.app.index import index_once
from indexer.app.simulate import EpochProgress, Simulated, no_progress, simulate
from indexer.chain import anvil
from indexer.chain.manifest import Manifest, load
from indexer.db import engine as engines
from indexer.errors import FlywheelError
from indexer.reports.registry import REPORTS
from indexer.reports.model import Report
from indexer.reports.render import save
from indexer.settle.store import default_dir
from indexer.sim.scenario import Scenario

MARKER = ".flywheel-demo"


def check_folder(folder: Path) -> None:
    """Refuse a folder the demo may not write into: one that is neither absent, empty, nor marked as the demo's."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise FlywheelError(f"--out-dir {folder} is a file, not a folder")
    if (folder / MARKER).is_file() or not any(folder.iterdir()):
        return
    raise FlywheelError(f"--out-dir {folder} is not empty and has no {MARKER} marker file: the demo replaces "
                        "the files of its folder, so it writes only into a new, empty or earlier demo folder")


def claim_folder(folder: Path) -> None:
    """Make `folder` the demo's own: checked, created if need be, and marked."""
    check_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if not marker.is_file():
        marker.write_text("Made by `flywheel demo`, which deletes and rewrites the files in this folder.\n")


@dataclass
class Demo:
    """What a run left in its folder, and the reports it wrote."""

    manifest: Manifest
    manifest_path: Path
    database: Path
    database_url: str
    png: Path
    html: Path
    real_yield: Report
    demand: Report
    contributors: Report
    supply: Report


def run_demo(port: int, out_dir: Path, epochs: int, seed: int, *, log: Log = quiet, progress: EpochProgress = no_progress,
             deployed: Callable[[Manifest], None] = lambda m: None,
             simulated: Callable[[Simulated], None] = lambda run: None) -> Demo:
    """Run the demo into `out_dir` on the local chain at `port` (started if none is); `deployed` and `simulated`
    hear each stage's result as soon as it is there."""
    claim_folder(out_dir)
    chain = anvil.recorded(port)
    if chain is None:
        chain = anvil.start(port)
        log(f"demo: started a local chain at {chain.url}")
    else:
        log(f"demo: using the local chain at {chain.url}")
    manifest_path = out_dir / "deployment.json"
    database = out_dir / "flywheel.db"
    # Each run is a fresh deployment: the files of an earlier run describe other contracts.
    shutil.rmtree(out_dir / "deployment.settlement", ignore_errors=True)
    for stale in out_dir.glob("flywheel.db*"):
        stale.unlink()

    log("demo: deploying the contracts")
    m = deploy(chain.url, None, manifest_path, force=True, log=log)
    deployed(m)
    log(f"demo: simulating {epochs} epochs")
    simulated(simulate(chain.url, manifest_path, epochs, seed, Scenario(), log=log, progress=progress))

    log("demo: indexing every event and the settlement ledger into SQLite")
    url = f"sqlite:///{database}"
    index_once(chain.url, load(manifest_path), url, log, store=default_dir(manifest_path))
    engine = engines.make_engine(url)
    try:
        real_yield = reports.read(engine, REPORTS["real-yield"].maker({"interval": "epoch"}), m)
        demand = reports.read(engine, REPORTS["demand"].maker({"interval": "epoch", "top": 20}), m)
        contributors = reports.read(engine, REPORTS["contributors"].maker({}), m)
        supply = reports.read(engine, REPORTS["supply"].maker({"interval": "epoch"}), m)
    finally:
        engine.dispose()
    png, html = out_dir / "real-yield.png", out_dir / "real-yield.html"
    save(real_yield, png)
    save(real_yield, html)
    return Demo(m, manifest_path, database, url, png, html, real_yield, demand, contributors, supply)
