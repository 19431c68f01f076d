"""`flywheel gas`: measure the contracts' gas on anvil, snapshot it, check it against the snapshot."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
# Typer vendors its own Click (typer._click); its exceptions are not re-exported.
from typer._click import exceptions as usage

from indexer.bench import gas as gauge
from indexer.cli.output import console, info


def _change_cell(change: gauge.Change | None) -> str:
    if change is None or change.before is None:
        return "new"
    if change.after is None:
        return "gone"
    pct = change.percent
    if pct is None or change.after == change.before:
        return "="
    text = f"{pct:+.2f}%"
    return f"[red]{text}[/red]" if change.regressed() else text


def _target_cell(key: str, value: int) -> str:
    target = gauge.TARGETS.get(key)
    if target is None:
        return ""
    mark = "[green]met[/green]" if value <= target else "[red]missed[/red]"
    return f"<= {target:,} {mark}"


def table(m: gauge.Measurement, changes: list[gauge.Change] | None) -> Table:
    by_key = {c.key: c for c in changes or []}
    fork = f", hardfork {m.hardfork}" if m.hardfork else ""
    t = Table(title=f"Flywheel gas (gasUsed from receipts on anvil{fork}; root delay {gauge.ROOT_DELAY} s)")
    t.add_column("operation")
    t.add_column("gas", justify="right")
    if changes is not None:
        t.add_column("snapshot", justify="right")
        t.add_column("change", justify="right")
    t.add_column("target (reported, not enforced)")
    for key, label in gauge.FIGURES.items():
        value = m.gas[key]
        row = [label, f"{value:,}"]
        if changes is not None:
            before = by_key[key].before if key in by_key else None
            row += ["" if before is None else f"{before:,}", _change_cell(by_key.get(key))]
        t.add_row(*row, _target_cell(key, value))
    return t


def gas(
    check: bool = typer.Option(False, "--check", help="Compare with the snapshot instead of writing it; exit 1 if any figure grew more than 2%."),
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot file; default: gas-snapshot.json at the root of the source checkout (required when installed)."),
    rpc_url: str = typer.Option(None, "--rpc-url", help="A dev chain (anvil) to measure on; default: start a private anvil on a free port."),
) -> None:
    """Measure the gas of paying, registering, pricing, finalizing and claiming, from real receipts."""
    path = snapshot or gauge.SNAPSHOT_PATH
    if path is None:
        raise usage.UsageError("--snapshot FILE is required when flywheel runs from an installed package: "
                               "the default, gas-snapshot.json, exists only in a source checkout")
    previous = gauge.load_snapshot(path) if check or path.exists() else None
    m = gauge.measure(rpc_url, progress=lambda step: info(f"gas: {step}"))
    changes = gauge.compare(previous.gas, m.gas) if previous else None
    console.print(table(m, changes))
    if previous and previous.hardfork and m.hardfork and previous.hardfork != m.hardfork:
        info(f"gas: the snapshot was taken on hardfork {previous.hardfork}, this run is on {m.hardfork}")
    if not check:
        gauge.save_snapshot(m, path)
        console.print(f"snapshot written to {path}")
        return
    failed = gauge.regressions(changes or [])
    if not failed:
        console.print(f"gas check passed: no figure grew more than {gauge.TOLERANCE_BPS / 100:g}% over {path}")
        return
    console.print(f"gas check failed against {path}:")
    for c in failed:
        if c.before is None:
            console.print(f"  {c.key}: new figure {c.after:,}, not in the snapshot")
        elif c.after is None:
            console.print(f"  {c.key}: in the snapshot ({c.before:,}) but no longer measured")
        else:
            console.print(f"  {c.key}: {c.before:,} -> {c.after:,} ({c.percent:+.2f}%)")
    console.print("run `flywheel gas` to accept the new figures")
    raise typer.Exit(1)
