"""`flywheel serve`: the reports over HTTP and a dashboard.

It finds its database exactly as `flywheel report` does, so the same --config file that
runs the indexer serves what it indexed.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import typer

from indexer.app import reports as reading
from indexer.cli.common import ConfigOption, DatabaseOption, SchemaOption
from indexer.cli.output import info
from indexer.errors import FlywheelError


def _check_listen(host: str, port: int) -> None:
    """Refuse a port already taken with one line; uvicorn would log its own and exit."""
    try:
        with socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET):
            pass
    except OSError as exc:
        raise FlywheelError(f"cannot listen on {host}:{port}: {os.strerror(exc.errno) if exc.errno else exc}") from None


def serve(
    database_url: str = DatabaseOption,
    schema: str = SchemaOption,
    config: Path = ConfigOption,
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port on 127.0.0.1."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
) -> None:
    """Serve GET /api/reports/<name> (the CLI's JSON) and the dashboard at /."""
    # Imported here only so that the other commands start without loading the web stack; the API imports no command.
    import uvicorn

    from indexer.api.app import create_app

    engine = reading.open_database(reading.settings(config, database_url, schema=schema))
    _check_listen(host, port)
    info(f"serving the dashboard at http://{host}:{port}/ and the reports at /api/reports/<name>")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")
