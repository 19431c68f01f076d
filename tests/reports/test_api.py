"""The HTTP API returns the CLI's JSON; the dashboard is the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from indexer.api.app import create_app
from indexer.db.engine import make_engine
from indexer.ingest.store import Stream, register
from indexer.chain.manifest import load
from tests.reports.test_report_cli import manifest_file, report
from tests.reports.test_report_metrics import scenario


def test_api_returns_the_same_json_as_the_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    scenario(url).dispose()
    m = manifest_file(tmp_path)
    engine = make_engine(url)
    manifest = load(m)
    register(engine, Stream.of(manifest), manifest)
    client = TestClient(create_app(engine))

    for name, params, args in [("real-yield", {"interval": "week"}, ["--interval", "week"]),
                               ("demand", {}, []), ("contributors", {}, []),
                               ("payback", {"hardware_cost": "500", "opex_per_epoch": "10"}, ["--hardware-cost", "500", "--opex-per-epoch", "10"])]:
        reply = client.get(f"/api/reports/{name}", params=params)
        assert reply.status_code == 200, reply.text
        assert reply.json() == json.loads(report(url, m, name, "--format", "json", *args))

    assert client.get("/api/reports/real-yield", params={"interval": "fortnight"}).status_code == 400
    assert client.get("/api/reports/payback", params={"hardware_cost": "-1"}).status_code == 400
    page = client.get("/")
    assert page.status_code == 200 and "<svg" in page.text and "Subsidy versus revenue" in page.text
