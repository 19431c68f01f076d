"""FastAPI app: `GET /api/reports/<name>?...` returns the same JSON as the CLI; `/` is the dashboard."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from indexer.errors import FlywheelError
from indexer.reports import build
from indexer.reports.html import render_html
from indexer.reports.source import deployment_from_database


def _usd(value: str, name: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise HTTPException(400, f"{name} must be a number of USD") from None
    if not amount.is_finite() or amount < 0:
        raise HTTPException(400, f"{name} must be a non-negative number of USD")
    return amount


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="Flywheel", description="Subsidy versus revenue of a DePIN network, from its indexed events.")

    def run(make):
        try:
            # Each request reads in its own connection: readers never hold up the indexer's writes.
            with engine.connect() as conn:
                return make(conn, deployment_from_database(conn))
        except FlywheelError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/api/reports/real-yield")
    def real_yield(interval: str = "epoch") -> dict:
        return run(lambda c, d: build.real_yield(c, d, interval)).to_json()

    @app.get("/api/reports/demand")
    def demand(interval: str = "epoch", top: int = Query(20, ge=1)) -> dict:
        return run(lambda c, d: build.demand(c, d, interval, top)).to_json()

    @app.get("/api/reports/contributors")
    def contributors(top: int | None = Query(None, ge=1)) -> dict:
        return run(lambda c, d: build.contributors(c, d, top)).to_json()

    @app.get("/api/reports/payback")
    def payback(hardware_cost: str, opex_per_epoch: str = "0", window: int = Query(8, ge=1)) -> dict:
        cost, opex = _usd(hardware_cost, "hardware_cost"), _usd(opex_per_epoch, "opex_per_epoch")
        return run(lambda c, d: build.payback(c, d, cost, opex, None, window)).to_json()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def dashboard(interval: str = "epoch") -> str:
        return render_html(run(lambda c, d: build.real_yield(c, d, interval)))

    return app
