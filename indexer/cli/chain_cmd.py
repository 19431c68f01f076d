"""`flywheel chain up|down|status|which`: a local anvil on 127.0.0.1."""

from __future__ import annotations

import typer

from indexer.chain import anvil
from indexer.chain.rpc import NodeClient
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


@app.command()
def down(port: int = PortOption) -> None:
    """Stop the anvil that `chain up` started."""
    if anvil.stop(port):
        console.print(f"chain down: stopped the chain on port {port}")
    else:
        info(f"no chain started by flywheel is running on port {port}")


@app.command()
def status(port: int = PortOption) -> None:
    """Tell whether a chain runs on the port, and its head."""
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


@app.command(hidden=True)
def which() -> None:
    """Print the anvil binary in use."""
    console.print(str(anvil.anvil_binary()))
