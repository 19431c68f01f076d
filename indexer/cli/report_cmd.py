"""`flywheel report real-yield|demand|contributors|payback`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from sqlalchemy.exc import OperationalError

from indexer.chain import manifest as manifests
from indexer.cli.output import console
from indexer.db.engine import make_engine
from indexer.errors import FlywheelError
from indexer.reports import build
from indexer.reports.queries import DeploymentInfo
from indexer.reports.render import FORMATS, emit
from indexer.reports.source import deployment_from_database, info_of

app = typer.Typer(help="Subsidy-versus-revenue reports from an indexed database.", no_args_is_help=True)

DatabaseOption = typer.Option(..., "--database-url", envvar="FLYWHEEL_DATABASE_URL", help="SQLAlchemy URL of the indexed database.")
DeploymentOption = typer.Option(None, "--deployment", help="The deployment manifest; needed when the database holds several deployments.")
FormatOption = typer.Option("table", "--format", help=f"One of: {', '.join(FORMATS)}.")
OutOption = typer.Option(None, "--out", help="Write to this file instead of standard output (required for png and html).")
IntervalOption = typer.Option("epoch", "--interval", help="epoch, day, week or month.")


def _deployment_info(conn, manifest_path: Path | None) -> DeploymentInfo:
    if manifest_path is not None:
        return info_of(manifests.load(manifest_path))
    return deployment_from_database(conn)


def _run(database_url: str, manifest_path: Path | None, fmt: str, out: Path | None, make) -> None:
    if fmt not in FORMATS:
        raise FlywheelError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt in ("png", "html") and out is None:
        raise FlywheelError(f"--format {fmt} needs --out FILE")
    engine = make_engine(database_url, must_exist=True)
    safe_url = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            report = make(conn, _deployment_info(conn, manifest_path))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise FlywheelError(f"cannot read the database at {safe_url}: {reason}") from None
    finally:
        engine.dispose()
    emit(report, fmt, out, console)
    if out is not None:
        console.print(f"{report.name} report written to {out}")


@app.command("real-yield")
def real_yield(database_url: str = DatabaseOption, deployment: Path = DeploymentOption, interval: str = IntervalOption,
               fmt: str = FormatOption, out: Path = OutOption) -> None:
    """Subsidy versus revenue, the real-yield share and coverage, per epoch or calendar interval."""
    build.check_interval(interval)
    _run(database_url, deployment, fmt, out, lambda conn, d: build.real_yield(conn, d, interval))


@app.command("demand")
def demand(database_url: str = DatabaseOption, deployment: Path = DeploymentOption, interval: str = IntervalOption,
           fmt: str = FormatOption, out: Path = OutOption, top: int = typer.Option(20, "--top", min=1, help="Suspect accounts to list.")) -> None:
    """Suspect (self-dealing) revenue, and the share with and without it."""
    build.check_interval(interval)
    _run(database_url, deployment, fmt, out, lambda conn, d: build.demand(conn, d, interval, top))


@app.command("contributors")
def contributors(database_url: str = DatabaseOption, deployment: Path = DeploymentOption, fmt: str = FormatOption,
                 out: Path = OutOption, top: int = typer.Option(None, "--top", min=1, help="Show only the largest accounts.")) -> None:
    """Rewards per account (tokens and USD at the price when claimed), nodes, and concentration."""
    _run(database_url, deployment, fmt, out, lambda conn, d: build.contributors(conn, d, top))


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
def payback(database_url: str = DatabaseOption, deployment: Path = DeploymentOption,
            hardware_cost: str = typer.Option(..., "--hardware-cost", help="USD paid for one node's hardware."),
            opex: str = typer.Option("0", "--opex-per-epoch", help="USD a node costs to run per epoch."),
            price_path: Path = typer.Option(None, "--price-path", help="CSV of USD prices per future epoch (epoch,price_usd)."),
            window: int = typer.Option(8, "--window", help="Recent epochs the reward rate is measured over."),
            fmt: str = FormatOption, out: Path = OutOption) -> None:
    """Payback of one node at the realised reward rate, its break-even price, and price scenarios."""
    cost = _usd(hardware_cost, "--hardware-cost")
    running = _usd(opex, "--opex-per-epoch")
    path = build.read_price_path(price_path) if price_path else None
    _run(database_url, deployment, fmt, out, lambda conn, d: build.payback(conn, d, cost, running, path, window))
