"""Every report, declared once: its name, what builds it, its parameters and its formats.

The command line makes `flywheel report NAME` and its options from this list,
and the HTTP API its `GET /api/reports/NAME` routes, so a report added here
appears in both with the same parameters, and neither keeps a list of its own.

A parameter is typed: a count with a floor, a word out of fixed choices, an
amount of USD, or a local file. Each surface reads text into that type its
own way (options on the command line, a query string over HTTP) and words
its refusals for its own users; what a value means, its default and its
bounds are said here once. A local file is read on the command line only:
over HTTP the builder gets the parameter's default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Connection

from indexer.reports import build, demand as demands, liabilities as liability, supply as supplies
from indexer.reports.model import Report
from indexer.reports.queries import DeploymentInfo
from indexer.reports.realyield import INTERVALS
from indexer.reports.render import FORMATS

REQUIRED = ...  # a parameter's default when it has none: the user must give it


@dataclass(frozen=True)
class Param:
    name: str  # the builder's keyword and the query parameter; the option is --name with dashes
    type: type  # int (a count), str (a word of `choices`), Decimal (USD) or Path (a local file)
    default: object
    help: str
    minimum: int | None = None  # the smallest count allowed
    choices: tuple[str, ...] = ()  # the words allowed; the command line reads them in any case
    read: Callable[[Path], object] | None = None  # what a local file becomes for the builder
    http: bool = True  # False: the command line only, and the API passes the default

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class ReportSpec:
    name: str
    help: str  # one sentence: what the report shows
    build: Callable[..., Report]  # (connection, deployment, **parameters)
    params: tuple[Param, ...] = ()
    formats: tuple[str, ...] = FORMATS
    suspects: bool = False  # it lists suspect accounts, which `--suspects` writes as a CSV of their own

    def maker(self, values: dict[str, object]) -> Callable[[Connection, DeploymentInfo], Report]:
        """The report of this deployment's database with these parameter values, rounded as every format carries it."""
        return lambda conn, d: self.build(conn, d, **values).finished(d.payment_decimals)


INTERVAL = Param("interval", str, "epoch", "epoch, day, week or month, in any case.", choices=INTERVALS)

REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in (
    ReportSpec("real-yield", "Subsidy versus revenue, the real-yield share and coverage, per epoch or calendar interval.",
               build.real_yield, (INTERVAL,)),
    ReportSpec("demand", "Suspect (self-dealing) revenue, and the share with and without it.", demands.demand,
               (INTERVAL, Param("top", int, 20, "Suspect accounts to list.", minimum=1)), suspects=True),
    ReportSpec("contributors", "Rewards per account (tokens and USD at the price when claimed), nodes, and concentration.",
               build.contributors, (Param("top", int, None, "Show only the largest accounts.", minimum=1),)),
    ReportSpec("liabilities", "Rewards earned but not yet claimed: subsidy still to be minted, revenue held, and the overhang "
               "as a share of circulating supply.", liability.liabilities, (INTERVAL,)),
    ReportSpec("supply", "The supply side: nodes active, new and retired, churn, idle nodes, work per node and its "
               "concentration, and node lifetime.", supplies.supply, (
                   INTERVAL,
                   Param("hardware_cost", Decimal, None, "USD paid for one node's hardware: the summary gives the share of "
                         "retired nodes that never earned it back."),
               )),
    ReportSpec("payback", "Payback of one node at the realised reward rate, its break-even price, and price scenarios.",
               build.payback, (
                   Param("hardware_cost", Decimal, REQUIRED, "USD paid for one node's hardware."),
                   Param("opex_per_epoch", Decimal, "0", "USD a node costs to run per epoch."),
                   Param("price_path", Path, None, "CSV of USD prices per future epoch (epoch,price_usd).",
                         read=build.read_price_path, http=False),
                   Param("window", int, 8, "Recent epochs the reward rate is measured over.", minimum=1),
               )),
)}
