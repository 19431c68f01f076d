"""`flywheel serve`: the reports over HTTP and a dashboard."""

from __future__ import annotations

import typer

from indexer.cli.output import info
from indexer.db.engine import check, make_engine


def serve(
    database_url: str = typer.Option(..., "--database-url", envvar="FLYWHEEL_DATABASE_URL", help="SQLAlchemy URL of the indexed database."),
    port: int = typer.Option(8000, "--port", help="TCP port on 127.0.0.1."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
) -> None:
    """Serve GET /api/reports/<name> (the CLI's JSON) and the dashboard at /."""
    import uvicorn

    from indexer.api.app import create_app

    engine = make_engine(database_url, must_exist=True)
    check(engine)
    info(f"serving the dashboard at http://{host}:{port}/ and the reports at /api/reports/<name>")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")
