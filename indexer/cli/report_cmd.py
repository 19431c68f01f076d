"""`flywheel report real-yield|demand|contributors|payback`.

A report finds its database the way `index run` does (--database-url, then
FLYWHEEL_DATABASE_URL, then the --config file, then sqlite:///flywheel.db), so it reads what
the indexer wrote without the URL being repeated. Every input is checked before the
database is opened, and the output file is written only once the report is built.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from indexer.chain import manifest as manifests
from indexer.cli.output import console
from indexer.db import engine as engines
from indexer.errors import FlywheelError
from indexer.ingest import config as configs
from indexer.reports import build
from indexer.reports.queries import DeploymentInfo
from indexer.reports.render import FORMATS, Report, choose_format, emit
from indexer.reports.source import deployment_from_database, info_of

app = typer.Typer(help="Subsidy-versus-revenue reports from an indexed database.", no_args_is_help=True)

DatabaseOption = typer.Option(None, "--database-url", help="SQLAlchemy URL of the indexed database (or FLYWHEEL_DATABASE_URL, "
                              "or database_url in --config); default sqlite:///flywheel.db.")
ConfigOption = typer.Option(None, "--config", help="The indexer's TOML settings file (its database_url and deployment).")
DeploymentOption = typer.Option(None, "--deployment", help="The deployment manifest (default: deployment in --config); "
                                "needed when the database holds several deployments.")
FormatOption = typer.Option(None, "--format", help=f"One of {', '.join(FORMATS)}, in any case; default: "
                            "the one --out's extension names, else table.")
OutOption = typer.Option(None, "--out", help="Write to this file instead of standard output (required for png and html).")
IntervalOption = typer.Option("epoch", "--interval", help="epoch, day, week or month, in any case.")

MakeReport = Callable[[Connection, DeploymentInfo], Report]


def settings(config_file: Path | None, database_url: str | None, deployment: Path | None = None) -> configs.IndexerConfig:
    """The database URL and manifest path, found as `index run` finds them."""
    flags = {"database_url": database_url, "deployment": str(deployment) if deployment else None}
    return configs.load(config_file, dict(os.environ), flags)


def _run(cfg: configs.IndexerConfig, fmt: str | None, out: Path | None, make: MakeReport) -> None:
    fmt = choose_format(fmt, out)
    manifest = manifests.load(Path(cfg.deployment)) if cfg.deployment else None
    engine = engines.make_engine(cfg.database_url, must_exist=True)
    try:
        with engine.connect() as conn:
            report = make(conn, info_of(manifest) if manifest else deployment_from_database(conn))
    except OperationalError as exc:
        raise FlywheelError(f"cannot read the database at {engines.safe(engine.url)}: {engines.reason(exc)}") from None
    finally:
        engine.dispose()
    emit(report, fmt, out, console)
    if out is not None:
        console.print(f"{report.name} report written to {out}")


@app.command("real-yield")
def real_yield(database_url: str = DatabaseOption, config: Path = ConfigOption, deployment: Path = DeploymentOption,
               interval: str = IntervalOption, fmt: str = FormatOption, out: Path = OutOption) -> None:
    """Subsidy versus revenue, the real-yield share and coverage, per epoch or calendar interval."""
    interval = build.check_interval(interval.lower())
    _run(settings(config, database_url, deployment), fmt, out, lambda conn, d: build.real_yield(conn, d, interval))


@app.command("demand")
def demand(database_url: str = DatabaseOption, config: Path = ConfigOption, deployment: Path = DeploymentOption,
           interval: str = IntervalOption, fmt: str = FormatOption, out: Path = OutOption,
           top: int = typer.Option(20, "--top", min=1, help="Suspect accounts to list.")) -> None:
    """Suspect (self-dealing) revenue, and the share with and without it."""
    interval = build.check_interval(interval.lower())
    _run(settings(config, database_url, deployment), fmt, out, lambda conn, d: build.demand(conn, d, interval, top))


@app.command("contributors")
def contributors(database_url: str = DatabaseOption, config: Path = ConfigOption, deployment: Path = DeploymentOption,
                 fmt: str = FormatOption, out: Path = OutOption,
                 top: int = typer.Option(None, "--top", min=1, help="Show only the largest accounts.")) -> None:
    """Rewards per account (tokens and USD at the price when claimed), nodes, and concentration."""
    _run(settings(config, database_url, deployment), fmt, out, lambda conn, d: build.contributors(conn, d, top))


def _usd(value: str, flag: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FlywheelError(f"{flag} must be a number of USD, not {value!r}") from None
    if not amount.is_finite():
        raise FlywheelError(f"{flag} must be a number of USD, not {value!r}")
    if amount < 0:
        raise FlywheelError(f"{flag} must not be negative")
    return amount


@app.command("payback")
def payback(database_url: str = DatabaseOption, config: Path = ConfigOption, deployment: Path = DeploymentOption,
            hardware_cost: str = typer.Option(..., "--hardware-cost", help="USD paid for one node's hardware."),
            opex: str = typer.Option("0", "--opex-per-epoch", help="USD a node costs to run per epoch."),
            price_path: Path = typer.Option(None, "--price-path", help="CSV of USD prices per future epoch (epoch,price_usd)."),
            window: int = typer.Option(8, "--window", min=1, help="Recent epochs the reward rate is measured over."),
            fmt: str = FormatOption, out: Path = OutOption) -> None:
    """Payback of one node at the realised reward rate, its break-even price, and price scenarios."""
    cost = _usd(hardware_cost, "--hardware-cost")
    running = _usd(opex, "--opex-per-epoch")
    path = build.read_price_path(price_path) if price_path else None
    _run(settings(config, database_url, deployment), fmt, out, lambda conn, d: build.payback(conn, d, cost, running, path, window))
