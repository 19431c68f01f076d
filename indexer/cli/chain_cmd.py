"""`flywheel chain up|down|status|advance`: a local anvil on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import typer

from indexer.app.connect import node_url
from indexer.chain import anvil
from indexer.chain.accounts import LOCAL_CHAIN_ID
from indexer.chain.manifest import load
from indexer.chain.rpc import NodeClient, redact
from indexer.chain.units import iso
from indexer.cli.common import RpcOption
from indexer.cli.output import console, info
from indexer.errors import FlywheelError

app = typer.Typer(help="Run a local anvil chain on 127.0.0.1.", no_args_is_help=True)

PortOption = typer.Option(anvil.DEFAULT_PORT, "--port", help="TCP port on 127.0.0.1.")


@app.command()
def up(port: int = PortOption, block_time: int = typer.Option(0, help="Seconds per block; 0 mines on each transaction.")) -> None:
    """Start anvil in the background."""
    extra = ("--block-time", str(block_time)) if block_time > 0 else ()
    chain = anvil.start(port, extra)
    console.print(f"chain up: {chain.url} (chain id 31337, pid {chain.pid}, log {chain.log})")


FoundPortOption = typer.Option(None, "--port", help="TCP port on 127.0.0.1; default: the one chain `chain up` started.")


def _started_port(port: int | None) -> int:
    """`--port`, or the one chain `chain up` started (8545 when there is none; several is an error)."""
    if port is not None:
        return port
    chains = anvil.running()
    if len(chains) > 1:
        raise FlywheelError(f"{len(chains)} chains started by flywheel are running (ports "
                            f"{', '.join(str(c.port) for c in chains)}): pass --port")
    return chains[0].port if chains else anvil.DEFAULT_PORT


@app.command()
def down(port: int = FoundPortOption) -> None:
    """Stop the anvil that `chain up` started."""
    port = _started_port(port)
    if anvil.stop(port):
        console.print(f"chain down: stopped the chain on port {port}")
    else:
        info(f"no chain started by flywheel is running on port {port}")


@app.command()
def status(port: int = FoundPortOption) -> None:
    """Tell whether a chain runs on the port, and its head."""
    port = _started_port(port)
    chain = anvil.recorded(port)
    url = anvil.rpc_url(port)
    node = NodeClient(url, timeout=2, retries=0)
    try:
        chain_id, head = node.chain_id(), node.block_number()
    except FlywheelError:
        console.print(f"no chain answers on {url}")
        raise typer.Exit(1)
    owner = f"started by flywheel, pid {chain.pid}" if chain else "not started by flywheel"
    console.print(f"chain on {url}: chain id {chain_id}, head block {head} ({owner})")


@app.command()
def advance(
    seconds: int = typer.Option(None, "--seconds", min=1, help="Move the chain's clock this many seconds on."),
    to_epoch_end: bool = typer.Option(False, "--to-epoch-end", help="Move it to the end of the current epoch (needs --deployment)."),
    deployment: Path = typer.Option(None, "--deployment", help="The deployment manifest, for --to-epoch-end."),
    rpc_url: str = RpcOption,
) -> None:
    """Move a local chain's clock forward and mine a block (anvil only): for closing epochs without waiting."""
    if (seconds is None) == (not to_epoch_end):
        raise FlywheelError("give exactly one of --seconds N or --to-epoch-end")
    if to_epoch_end and deployment is None:
        raise FlywheelError("--to-epoch-end needs --deployment MANIFEST (the epochs are the deployment's)")
    m = load(deployment) if deployment is not None else None
    url = node_url(rpc_url, m.chain_id if m else None)
    node = NodeClient(url, timeout=10, retries=2)
    chain_id = node.chain_id()
    if chain_id != LOCAL_CHAIN_ID:
        raise FlywheelError(f"chain {chain_id} at {redact(url)} is not a local chain: its clock is not ours to move")
    if m is not None and m.chain_id != chain_id:
        raise FlywheelError(f"chain id mismatch: the node at {redact(url)} is chain {chain_id}, the deployment is on chain {m.chain_id}")
    now = node.timestamp()
    if m is not None and to_epoch_end:
        seconds = max(1, m.epochs.end(max(0, m.epochs.of(now))) - now)
    # The next block's time set exactly: anvil's own clock would add the time the chain sat idle.
    node.dev("evm_setNextBlockTimestamp", now + seconds)
    node.dev("evm_mine")
    after = node.timestamp()
    epoch = f" (epoch {m.epochs.of(after)})" if m is not None else ""
    console.print(f"clock moved {after - now} s to {iso(after)}{epoch} on chain {chain_id}")


@app.command(hidden=True)
def which() -> None:
    """Print the anvil binary in use."""
    console.print(str(anvil.anvil_binary()))
