"""Every report over the demo's database, as people and programs read it: tables that fit, no runaway digits.

The demo's 52 simulated epochs hold every kind of value the reports compute (shares,
per-node figures, value-weighted prices over days, payback), which a hand-built
database would only hold where its author thought to put them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from indexer.api.app import create_app
from indexer.app import reports as reading
from indexer.app.demo import run_demo
from indexer.chain import anvil
from indexer.db import engine as engines
from indexer.reports.model import Report
from indexer.reports.registry import REPORTS
from indexer.reports.render import View, body, print_table
from tests.helpers import free_port

pytestmark = pytest.mark.chain

WIDTHS = (80, 120, 200)
INTERVALS = ("epoch", "day", "week", "month")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLYWHEEL_HOME", str(home))
        run = run_demo(port, tmp_path_factory.mktemp("demo") / "out", 52, 1)
        try:
            yield run.database_url, run.manifest_path
        finally:
            anvil.stop(port)


def price_path(tmp: Path) -> Path:
    path = tmp / "path.csv"
    path.write_text("epoch,price_usd\n55,0.5\n60,0.25\n")
    return path


def reports(url: str, tmp: Path) -> Iterator[Report]:
    """Every report, every interval, as the command line builds them."""
    engine = engines.make_engine(url)
    try:
        for interval in INTERVALS:
            yield reading.read(engine, REPORTS["real-yield"].maker({"interval": interval}))
            yield reading.read(engine, REPORTS["demand"].maker({"interval": interval, "top": 5}))
            yield reading.read(engine, REPORTS["liabilities"].maker({"interval": interval}))
            yield reading.read(engine, REPORTS["supply"].maker({"interval": interval, "hardware_cost": Decimal(2500)}))
        yield reading.read(engine, REPORTS["contributors"].maker({"top": None}))
        path = REPORTS["payback"].params[2].read(price_path(tmp))
        yield reading.read(engine, REPORTS["payback"].maker({"hardware_cost": Decimal(2500), "opex_per_epoch": Decimal(1),
                                                             "price_path": path, "window": 8}))
    finally:
        engine.dispose()


CELL = re.compile(r"[│┃]")


@pytest.mark.parametrize("width", WIDTHS)
def test_tables_fit_the_terminal_and_never_cut_a_number(demo, tmp_path: Path, width: int) -> None:
    url, _ = demo
    for report in reports(url, tmp_path):
        out = io.StringIO()
        print_table(report, View(), Console(file=out, width=width, soft_wrap=True))
        text = out.getvalue()
        lines = text.splitlines()
        assert all(len(line) <= width for line in lines), (report.name, report.interval, width)
        cells = [c.strip() for line in lines if CELL.search(line) for c in CELL.split(line)]
        cut = [c for c in cells if "…" in c and not re.fullmatch(r"0x[0-9a-f]{4}…[0-9a-f]{4}", c)]
        assert not cut, (report.name, report.interval, width, cut)
        assert report.title in text
        if width == 80 and report.interval == "day":
            assert re.search(r"│ \d{4}-\d{2}-\d{2} ", text)  # days as ISO days
        if report.interval == "week":
            assert re.search(r"│ \d{4}-W\d{2} ", text)
        if report.interval == "month":
            assert re.search(r"│ \d{4}-\d{2} ", text)


def _places(value: str) -> int:
    return len(value.split(".")[1]) if "." in value else 0


def allowed_places(key: str) -> int | None:
    """The precision policy, read from the names alone, so a kind declared wrongly is caught too."""
    if key in ("share_50_percent", "coverage_100_percent", "prices_by_epoch"):
        return None  # words: "reached", "in about 3.2 days at the current trend", "52-54: $0.8341; 55+: $0.5000"
    if key.endswith("_share"):
        return 8  # before "payback": `retired_before_payback_share` is a share
    if "payback" in key or key.endswith("_periods"):
        return 2
    if "price" in key:
        return 8
    if key.endswith("_usd"):
        return 6  # the demo's payment token has 6 decimals
    if key.endswith("_tokens") or key == "tokens_per_node_per_epoch":
        return 18
    if "share" in key or "ratio" in key or key in ("gini", "share_trend_per_period"):
        return 8
    return None


def check_digits(data: dict, where: str) -> int:
    checked = 0
    sections = [("rows", r) for r in data["rows"]] + [("summary", data["summary"])]
    sections += [(key, item) for key, value in data.items() if isinstance(value, list) and key != "rows" for item in value]
    for section, values in sections:
        for key, value in values.items():
            places = allowed_places(key)
            if places is None or value is None:
                continue
            shown = value if isinstance(value, str) else repr(value)
            assert re.fullmatch(r"-?\d+(\.\d+)?", shown), (where, section, key, shown)
            assert _places(shown) <= places, (where, section, key, shown)
            checked += 1
    return checked


def test_no_json_field_has_more_digits_than_the_policy_allows(demo, tmp_path: Path) -> None:
    url, _ = demo
    checked = sum(check_digits(json.loads(body(report, "json")), f"{report.name}/{report.interval}") for report in reports(url, tmp_path))
    assert checked > 2000  # every numeric field of every report and interval


def test_the_api_rounds_as_the_command_line_does(demo) -> None:
    url, _ = demo
    engine = engines.make_engine(url)
    try:
        client = TestClient(create_app(engine))
        for name, query in (("real-yield", "interval=day"), ("demand", "interval=week"), ("contributors", ""),
                            ("payback", "hardware_cost=2500&opex_per_epoch=1")):
            response = client.get(f"/api/reports/{name}?{query}")
            assert response.status_code == 200, response.text
            assert check_digits(response.json(), name) > 0
    finally:
        engine.dispose()


def test_csv_has_the_same_columns_as_json(demo, tmp_path: Path) -> None:
    url, _ = demo
    for report in reports(url, tmp_path):
        data = json.loads(body(report, "json"))
        header = next(csv.reader(io.StringIO(body(report, "csv"))))
        assert set(header) == {key for row in data["rows"] for key in row}, (report.name, report.interval)
        summary = list(csv.reader(io.StringIO(body(report, "csv", View(summary=True)))))
        assert summary[0] == ["key", "value"] and [k for k, _ in summary[1:]] == list(data["summary"])
