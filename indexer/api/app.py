"""FastAPI app: `GET /api/reports/<name>?...` returns the same JSON as the CLI; `/` is the dashboard.

The report routes are made from `indexer.reports.registry`, one per report with its
parameters as query parameters, and read through `indexer.app.reports` as the CLI does.
"""

from __future__ import annotations

import inspect
from decimal import Decimal, InvalidOperation

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from indexer.app import reports as reading
from indexer.errors import FlywheelError
from indexer.reports.html import render_html
from indexer.reports.registry import REPORTS, Param, ReportSpec


def _usd(value: str | None, name: str) -> Decimal | None:
    if value is None:  # an optional amount not given
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise HTTPException(400, f"{name} must be a number of USD") from None
    if not amount.is_finite() or amount < 0:
        raise HTTPException(400, f"{name} must be a non-negative number of USD")
    return amount


def _query(param: Param) -> inspect.Parameter:
    """The report parameter as a query parameter: USD is read as text, to refuse a bad amount in our own words."""
    kind = str if param.type is Decimal else param.type
    if param.required:
        default = inspect.Parameter.empty
    elif param.minimum is not None:
        default = Query(param.default, ge=param.minimum)
    else:
        default = param.default
    if param.default is None:
        kind = kind | None
    return inspect.Parameter(param.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="Flywheel", description="Subsidy versus revenue of a DePIN network, from its indexed events.")

    def run(make):
        try:
            return reading.read(engine, make)
        except FlywheelError as exc:
            raise HTTPException(400, str(exc)) from None

    def route(spec: ReportSpec) -> None:
        served = [p for p in spec.params if p.http]

        def endpoint(**query: object) -> dict:
            values = {p.name: p.default for p in spec.params}
            values.update({p.name: _usd(query[p.name], p.name) if p.type is Decimal else query[p.name] for p in served})
            return run(spec.maker(values)).to_json()

        endpoint.__signature__ = inspect.Signature([_query(p) for p in served], return_annotation=dict)
        endpoint.__name__ = spec.name.replace("-", "_")
        app.get(f"/api/reports/{spec.name}")(endpoint)

    for spec in REPORTS.values():
        route(spec)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def dashboard(interval: str = "epoch") -> str:
        return render_html(run(REPORTS["real-yield"].maker({"interval": interval})))

    return app
