"""`flywheel report NAME`, one command per report of `indexer.reports.registry`.

Each command's options are the shared ones (where the database and deployment are, the format
and the output file) and the report's own parameters, made from the registry. Every input is
checked before the database is opened, in this order: the report's parameters, the settings,
the format and --out; the output file is written only once the report is built.
"""

from __future__ import annotations

import inspect
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from indexer.app import reports as reading
from indexer.cli.common import ConfigOption, DatabaseOption, SchemaOption
from indexer.cli.output import console
from indexer.errors import FlywheelError, unknown
from indexer.reports.registry import REPORTS, Param, ReportSpec
from indexer.reports.render import View, choose_format, emit

app = typer.Typer(help="Subsidy-versus-revenue reports from an indexed database.", no_args_is_help=True)

DeploymentOption = typer.Option(None, "--deployment", help="The deployment manifest (default: deployment in --config); "
                                "needed when the database holds several deployments.")
OutOption = typer.Option(None, "--out", help="Write to this file instead of standard output (required for png and html).")
ColumnsOption = typer.Option(None, "--columns", help="Comma-separated columns for the table or CSV, in this order "
                             "(default: the table's most important ones that fit; every column in CSV).")
SummaryOption = typer.Option(False, "--summary", help="Write only the summary (as key,value rows in CSV).")
SuspectsOption = typer.Option(False, "--suspects", help="Write only the suspect accounts (account,suspect_paid_usd,"
                              "payments,evidence), the --top largest.")


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


def _value(param: Param, given: object) -> object:
    """An option's value as the report's builder takes it."""
    if given is None:
        return None
    if param.type is Decimal:
        return _usd(given, param.flag)
    if param.choices:
        word = given.lower()
        if word not in param.choices:
            raise unknown(param.name, word, param.choices)
        return word
    if param.read is not None:
        return param.read(given)
    return given


def _keyword(name: str, kind: type, option: object) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)


def _option(param: Param) -> inspect.Parameter:
    """The report parameter as a Typer option: USD is read as text, to refuse a bad amount in our own words."""
    bounds = {"min": param.minimum} if param.minimum is not None else {}
    option = typer.Option(param.default, param.flag, help=param.help, **bounds)
    return _keyword(param.name, str if param.type is Decimal else param.type, option)


def _view(columns: str | None, summary: bool, suspects: bool) -> View:
    names = tuple(c.strip() for c in (columns or "").split(",") if c.strip())
    if columns is not None and not names:
        raise FlywheelError("--columns needs column names, separated by commas")
    return View(names, summary, suspects)


def _command(spec: ReportSpec):
    def command(*, database_url: str | None, config: Path | None, deployment: Path | None, fmt: str | None, out: Path | None,
                columns: str | None, summary: bool, suspects: bool = False, **params: object) -> None:
        values = {p.name: _value(p, params[p.name]) for p in spec.params}
        view = _view(columns, summary, suspects)
        cfg = reading.settings(config, database_url, deployment, params.pop("schema"))
        fmt = choose_format(fmt, out, spec.formats)
        report = reading.report(cfg, spec.maker(values))
        emit(report, fmt, out, console, view)
        if out is not None:
            console.print(f"{report.name} report written to {out}")

    format_option = typer.Option(None, "--format", help=f"One of {', '.join(spec.formats)}, in any case; default: "
                                 "the one --out's extension names, else table.")
    parameters = [_keyword("database_url", str, DatabaseOption), _keyword("schema", str, SchemaOption),
                  _keyword("config", Path, ConfigOption),
                  _keyword("deployment", Path, DeploymentOption), *(_option(p) for p in spec.params),
                  _keyword("fmt", str, format_option), _keyword("out", Path, OutOption),
                  _keyword("columns", str, ColumnsOption), _keyword("summary", bool, SummaryOption)]
    if spec.suspects:
        parameters.append(_keyword("suspects", bool, SuspectsOption))
    command.__signature__ = inspect.Signature(parameters, return_annotation=None)
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = spec.name.replace("-", "_")
    command.__doc__ = spec.help
    return command


for _spec in REPORTS.values():
    app.command(_spec.name)(_command(_spec))
