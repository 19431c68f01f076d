"""Entry point: `flywheel ...`.

Typer is run with standalone_mode off so that every failure a user can cause, Typer's own
parse errors included, ends the same way: one `error: ...` line on stderr and a non-zero
exit, never a usage block, a Rich box or a traceback.
"""

from __future__ import annotations

import importlib.metadata
import sys

import typer
# Typer vendors its own Click (typer._click) since 0.20; its exceptions are not re-exported.
from typer._click import exceptions as usage

from indexer.cli import chain_cmd, deploy_cmd, demo_cmd, index_cmd, report_cmd, serve_cmd, settle_cmd, sim_cmd
from indexer.cli import allow_cmd, gas_cmd, ledger_cmd, operate_cmd
from indexer.cli.output import console, fail
from indexer.errors import FlywheelError

app = typer.Typer(
    help="Flywheel: DePIN reward contracts, an exactly-once indexer, and subsidy-versus-revenue reports.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
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
app.add_typer(ledger_cmd.app, name="ledger")
index_cmd.db_app.command("allow")(allow_cmd.allow)
app.add_typer(report_cmd.app, name="report")
app.command("serve")(serve_cmd.serve)
app.command("demo")(demo_cmd.demo)
app.command("gas")(gas_cmd.gas)
app.command("status")(operate_cmd.status)
app.command("faucet")(operate_cmd.faucet)
app.command("pay")(operate_cmd.pay)
app.add_typer(operate_cmd.price_app, name="price")
app.add_typer(operate_cmd.node_app, name="node")
app.command("pause")(operate_cmd.pause)
app.command("unpause")(operate_cmd.unpause)
settle_cmd.epoch_app.command("revoke")(operate_cmd.revoke)


def version() -> str:
    try:
        return importlib.metadata.version("flywheel")
    except importlib.metadata.PackageNotFoundError:
        import indexer

        return getattr(indexer, "__version__", "unknown")


def _print_version(value: bool) -> None:
    if value:
        console.print(f"flywheel {version()}", markup=False)
        raise typer.Exit()


def root(show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                           help="Print the version and exit.")) -> None:
    """Flywheel: DePIN reward contracts, an exactly-once indexer, and subsidy-versus-revenue reports."""


app.callback()(root)


def one_line(message: str) -> str:
    """A parser message in our style: no capital at the start, no full stop at the end."""
    text = message.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _usage_error(exc: usage.UsageError) -> int:
    message = exc.format_message()
    if isinstance(exc, usage.NoSuchOption) and exc.possibilities:
        message = f"{exc.message}; did you mean {' or '.join(sorted(exc.possibilities))}?"
    hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
    fail(one_line(message) + hint)
    return exc.exit_code


def run(args: list[str]) -> int:
    """Run the command line on `args`; returns the exit code."""
    try:
        result = typer.main.get_command(app).main(args=args, prog_name="flywheel", standalone_mode=False)
    except usage.NoArgsIsHelpError as exc:
        # The help has been printed already; a bare `flywheel` asked for nothing else.
        return 0 if exc.ctx.parent is None else exc.exit_code
    except usage.UsageError as exc:
        return _usage_error(exc)
    except typer.TyperException as exc:
        fail(one_line(exc.format_message()))
        return exc.exit_code
    except typer.Abort:
        fail("aborted")
        return 1
    except FlywheelError as exc:
        fail(str(exc))
        return 1
    except (OSError, UnicodeError) as exc:
        # Every file a user names is read through indexer.userfiles; this is the net under what is written.
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        fail(f"{getattr(exc, 'strerror', None) or exc}{where}")
        return 1
    except KeyboardInterrupt:
        result = 130
    code = result if isinstance(result, int) else 0
    if code == 130:
        # Typer turns Ctrl-C inside a command into Exit(130) without a word.
        fail("interrupted")
    return code


def main() -> None:
    sys.exit(run(sys.argv[1:]))
