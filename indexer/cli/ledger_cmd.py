"""`flywheel ledger import`: the settlement store's allocations into the indexed database.

The database and the deployment are found as `index run` finds them (flags, environment, the settings file),
and the store as `epoch close` finds it (`--store`, the settings file's `store`, else MANIFEST.settlement beside
the manifest). Run it after `index run` has indexed the finalizations, or name the store in the indexer's
settings and the daemon keeps the ledger itself.
"""

from __future__ import annotations

from pathlib import Path

import typer

from indexer.app import index as indexing, reports as reading
from indexer.chain import manifest as manifests
from indexer.cli.common import ConfigOption, DatabaseOption, SchemaOption
from indexer.cli.output import console, err_console
from indexer.errors import FlywheelError
from indexer.settle.store import SettlementStore, default_dir

app = typer.Typer(help="The settlement ledger: what each account earned, per epoch.", no_args_is_help=True)


def _ranges(epochs: list[int]) -> str:
    """[0, 1, 2, 5] -> '0-2, 5'."""
    parts, start = [], None
    for i, e in enumerate(epochs):
        start = e if start is None else start
        if i + 1 == len(epochs) or epochs[i + 1] != e + 1:
            parts.append(str(e) if start == e else f"{start}-{e}")
            start = None
    return ", ".join(parts)


@app.command("import")
def import_(
    deployment: Path = typer.Option(None, "--deployment", help="The deployment manifest (or deployment in --config)."),
    store_dir: Path = typer.Option(None, "--store", help="Settlement store directory; default: the settings file's "
                                   "store, else MANIFEST.settlement beside the manifest."),
    database_url: str = DatabaseOption,
    schema: str = SchemaOption,
    config: Path = ConfigOption,
) -> None:
    """Import each finalized epoch's allocations, checked against its root on chain; idempotent and resumable."""
    cfg = reading.settings(config, database_url, deployment, schema)
    if cfg.deployment is None:
        raise FlywheelError("no deployment given: pass --deployment MANIFEST (or set deployment in --config)")
    manifest = manifests.load(Path(cfg.deployment))
    store = SettlementStore(store_dir or (Path(cfg.store) if cfg.store else default_dir(Path(cfg.deployment))))
    if not store.root.is_dir():
        raise FlywheelError(f"settlement store {store.root} does not exist: pass --store DIR")
    engine = reading.open_database(cfg)
    try:
        result = indexing.import_ledger(engine, manifest, store,
                                        log=lambda line: err_console.print(line, markup=False, highlight=False))
    finally:
        engine.dispose()
    if result.removed:
        console.print(f"removed epochs {_ranges(result.removed)}: their roots no longer stand")
    if result.imported:
        console.print(f"imported epochs {_ranges(result.imported)}")
    else:
        console.print("the ledger is up to date")
