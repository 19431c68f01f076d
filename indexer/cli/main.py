"""Entry point: `flywheel ...`."""

from __future__ import annotations

import sys

import typer

from indexer.cli import chain_cmd, deploy_cmd, demo_cmd, index_cmd, report_cmd, serve_cmd, settle_cmd, sim_cmd
from indexer.cli import gas_cmd
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
app.add_typer(settle_cmd.epoch_app, name="epoch")
app.command("claim")(settle_cmd.claim)
app.command("simulate")(sim_cmd.simulate)
app.add_typer(index_cmd.app, name="index")
app.add_typer(index_cmd.db_app, name="db")
app.add_typer(report_cmd.app, name="report")
app.command("serve")(serve_cmd.serve)
app.command("demo")(demo_cmd.demo)
app.command("gas")(gas_cmd.gas)


def main() -> None:
    try:
        app()
    except FlywheelError as exc:
        fail(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        fail("interrupted")
        sys.exit(130)
