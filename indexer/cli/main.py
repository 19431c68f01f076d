"""Entry point: `flywheel ...`."""

from __future__ import annotations

import sys

import typer

from indexer.cli import chain_cmd, deploy_cmd, demo_cmd
from indexer.cli.output import fail
from indexer.errors import FlywheelError

app = typer.Typer(
    help="Flywheel: DePIN reward contracts, an exactly-once indexer, and subsidy-versus-revenue reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(chain_cmd.app, name="chain")
app.command("deploy")(deploy_cmd.deploy)
app.command("demo")(demo_cmd.demo)


def main() -> None:
    try:
        app()
    except FlywheelError as exc:
        fail(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        fail("interrupted")
        sys.exit(130)
