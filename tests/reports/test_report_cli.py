"""`flywheel report ...` through the command line (in this process): every format shows the same values; bad input
is one line."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.reports.test_report_metrics import GENESIS, INFO, L, scenario
from tests.helpers import assert_one_line_error, cli


def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({
        "version": 1, "chain_id": INFO.chain_id, "deploy_block": 1, "contracts": INFO.contracts, "payment_decimals": 6,
        "parameters": {"genesis": GENESIS, "epoch_length": L, "initial_emission": "1", "decay_bps": 0, "decay_period": 1,
                       "max_supply": "10", "fee_bps": 500, "root_delay": 0, "max_price_age": 100},
    }))
    return path


def report(url: str, manifest: Path, name: str, *args: str) -> str:
    result = cli("report", name, "--database-url", url, "--deployment", str(manifest), *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_table_csv_and_json_agree_and_backends_agree(database_url: str, tmp_path: Path) -> None:
    scenario(database_url).dispose()
    m = manifest_file(tmp_path)
    data = json.loads(report(database_url, m, "real-yield", "--format", "json"))
    assert data["interval"] == "epoch" and set(data) == {"interval", "rows", "summary"}
    rows = list(csv.DictReader(io.StringIO(report(database_url, m, "real-yield", "--format", "csv"))))
    assert len(rows) == len(data["rows"]) == 5
    for csv_row, json_row in zip(rows, data["rows"]):
        assert set(csv_row) == set(json_row)
        for key, value in csv_row.items():
            expected = json_row[key]
            if expected is None:
                assert value == ""
            elif isinstance(expected, float):
                assert float(value) == expected  # the same rounded decimal, not merely close to it
            else:
                assert value == str(expected)
    table = report(database_url, m, "real-yield")
    for json_row in data["rows"]:
        # The terminal table rounds USD to the cent; the values are the same.
        for key in ("subsidy_usd", "revenue_usd"):
            assert str(Decimal(json_row[key]).quantize(Decimal("0.01"))) in table
    assert "crossover epoch: 4" in table

    # The same database on the other backend gives the same JSON (kept from the first run of this test).
    other = tmp_path.parent / "real-yield.json"
    backend = database_url.split(":")[0]
    stored = json.loads(other.read_text()) if other.exists() else {}
    stored[backend] = data
    other.write_text(json.dumps(stored))
    if len(stored) == 2:
        first, second = stored.values()
        assert first == second


@pytest.mark.parametrize("name", ["real-yield", "demand", "contributors"])
def test_png_and_html_are_written_and_not_trivial(tmp_path: Path, name: str) -> None:
    # Charts are drawn from the report's rows, which the other tests show equal on both backends.
    database_url = f"sqlite:///{tmp_path / 'charts.db'}"
    scenario(database_url).dispose()
    m = manifest_file(tmp_path)
    png, html = tmp_path / "r.png", tmp_path / "r.html"
    report(database_url, m, name, "--format", "png", "--out", str(png))
    report(database_url, m, name, "--format", "html", "--out", str(html))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page and "<table>" in page
    # Reads offline: nothing is loaded from elsewhere (XML namespace names are not loads).
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page) and "<link" not in page


def payback_json(database_url: str, tmp_path: Path, path_text: str | None = None) -> dict:
    m = manifest_file(tmp_path)
    args = ["--hardware-cost", "500", "--opex-per-epoch", "10", "--window", "2", "--format", "json"]
    if path_text is not None:
        path = tmp_path / "prices.csv"
        path.write_text(path_text)
        args += ["--price-path", str(path)]
    return json.loads(report(database_url, m, "payback", *args))


def test_summary_suspects_and_columns_each_write_one_csv(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    scenario(url).dispose()
    m = manifest_file(tmp_path)
    data = json.loads(report(url, m, "demand", "--format", "json"))
    summary = list(csv.reader(io.StringIO(report(url, m, "demand", "--format", "csv", "--summary"))))
    assert summary[0] == ["key", "value"]
    assert {k: v for k, v in summary[1:]} == {k: "" if v is None else str(v) for k, v in data["summary"].items()}
    suspects = list(csv.reader(io.StringIO(report(url, m, "demand", "--format", "csv", "--suspects", "--top", "1"))))
    assert suspects[0] == ["account", "suspect_paid_usd", "payments", "evidence"] and len(suspects) == 2
    assert suspects[1][0] == data["suspect_accounts"][0]["account"]
    chosen = list(csv.reader(io.StringIO(report(url, m, "real-yield", "--format", "csv", "--columns", "real_yield_share,epoch_start"))))
    assert chosen[0] == ["real_yield_share", "epoch_start"] and len(chosen) == 6
    table = report(url, m, "demand", "--top", "1")
    assert "Suspect accounts, largest first (1 shown" in table and data["suspect_accounts"][0]["evidence"][:20] in table
    summary_only = report(url, m, "real-yield", "--summary")
    assert "crossover epoch: 4" in summary_only and "┃" not in summary_only


@pytest.mark.parametrize(("args", "fragment"), [
    (["real-yield", "--columns", "epoch_start,nope"], "--columns: nope is not a column of real-yield"),
    (["real-yield", "--columns", ","], "--columns needs column names"),
    (["real-yield", "--summary", "--format", "json"], "--summary is for the table and CSV"),
    (["demand", "--suspects", "--summary", "--format", "csv"], "choose one"),
])
def test_a_view_the_report_cannot_give_is_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    db = tmp_path / "f.db"
    scenario(f"sqlite:///{db}").dispose()
    result = cli("report", *args, "--database-url", f"sqlite:///{db}", "--deployment", str(manifest_file(tmp_path)))
    assert_one_line_error(result, fragment)


def test_payback_scenarios(database_url: str, tmp_path: Path) -> None:
    scenario(database_url).dispose()
    data = payback_json(database_url, tmp_path, "epoch,price_usd\n5,1.0\n6,2.0\n")
    by = {r["scenario"]: r for r in data["rows"]}
    # Last 2 epochs with nodes: epochs 3 and 4, 1 node each: 100 tokens and 300 USD over 2 node-epochs.
    assert data["summary"]["tokens_per_node_per_epoch"] == "50" and data["summary"]["revenue_per_node_per_epoch_usd"] == "150"
    assert by["current price"]["reward_per_node_per_epoch_usd"] == "200"
    assert by["current price"]["payback_epochs"] == 2.63  # 500 / 190, to 2 decimals
    assert by["current price"]["payback_days"] == round(500 / 190 * L / 86400, 2)
    assert by["price -50%"]["payback_epochs"] == 3.03  # 500 / 165
    # Price path: epoch 5 margin 190, then 240 at 2.0 from epoch 6: 190 + 240 covers 500 within the second epoch.
    assert by["price path"]["payback_epochs"] == 2.29  # 1 + 310 / 240
    assert by["price path"]["prices_by_epoch"] == "5-5: $1.000; 6+: $2.000"
    assert data["summary"]["break_even_price_usd"] == "0"


def test_a_price_path_holds_the_current_price_until_its_first_epoch(database_url: str, tmp_path: Path) -> None:
    """The epoch column is honoured: a drop to 0.5 from the next epoch pays back later than one a epoch later."""
    scenario(database_url).dispose()
    now = {r["scenario"]: r for r in payback_json(database_url, tmp_path, "epoch,price_usd\n5,0.5\n")["rows"]}["price path"]
    later = {r["scenario"]: r for r in payback_json(database_url, tmp_path, "epoch,price_usd\n6,0.5\n")["rows"]}["price path"]
    # Current price 1.0 (epoch 4's): margin 50 × 1.0 + 150 − 10 = 190; at 0.5 it is 50 × 0.5 + 150 − 10 = 165.
    assert now["payback_epochs"] == 3.03  # 500 / 165
    assert later["payback_epochs"] == 2.88  # 1 + (500 − 190) / 165
    assert (now["prices_by_epoch"], later["prices_by_epoch"]) == ("5+: $0.5000", "5-5: $1.000; 6+: $0.5000")


@pytest.mark.parametrize(("text", "fragment"), [
    ("price_usd,epoch\n5,1\n", "the first line must be the header `epoch,price_usd`"),
    ("5,1\n6,2\n", "the first line must be the header"),
    ("epoch,price_usd\n", "has no prices"),
    ("epoch,price_usd\n4,1\n", "epoch 4 is not in the future (epoch 4 is already finalized)"),
    ("epoch,price_usd\n7,1\n6,2\n", "line 3: epoch 6 comes after epoch 7"),
    ("epoch,price_usd\n6,1\n6,2\n", "line 3: epoch 6 is given twice"),
    ("epoch,price_usd\n6,0\n", "line 2: '0' is not a positive price"),
    ("epoch,price_usd\n6,-1\n", "'-1' is not a positive price"),
    ("epoch,price_usd\n6,nan\n", "'nan' is not a positive price"),
    ("epoch,price_usd\nsix,1\n", "with a whole epoch number"),
])
def test_a_bad_price_path_is_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    db = tmp_path / "f.db"
    scenario(f"sqlite:///{db}").dispose()
    path = tmp_path / "prices.csv"
    path.write_text(text)
    result = cli("report", "payback", "--hardware-cost", "500", "--price-path", str(path), "--database-url", f"sqlite:///{db}",
                 "--deployment", str(manifest_file(tmp_path)))
    assert_one_line_error(result, fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["real-yield", "--interval", "fortnight"], "unknown interval 'fortnight'"),
        (["real-yield", "--format", "pdf"], "unknown format 'pdf'"),
        (["real-yield", "--format", "png"], "--format png needs --out FILE"),
        (["payback", "--hardware-cost", "-5"], "--hardware-cost must not be negative"),
        (["payback", "--hardware-cost", "cheap"], "--hardware-cost must be a number of USD"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    db = tmp_path / "f.db"
    scenario(f"sqlite:///{db}").dispose()
    result = cli("report", *args, "--database-url", f"sqlite:///{db}", "--deployment", str(manifest_file(tmp_path)))
    assert_one_line_error(result, fragment)


def test_missing_or_unreachable_database(tmp_path: Path) -> None:
    m = manifest_file(tmp_path)
    assert_one_line_error(cli("report", "real-yield", "--database-url", f"sqlite:///{tmp_path / 'none.db'}", "--deployment", str(m)),
                          "no database at")
    result = cli("report", "real-yield", "--database-url", "postgresql+psycopg://user:hunter2@127.0.0.1:1/x", "--deployment", str(m))
    assert_one_line_error(result, "cannot read the database at")
    assert "hunter2" not in result.stderr
    empty = tmp_path / "empty.db"
    from indexer.db.engine import make_engine
    from tests.reports.eventdb import create
    create(make_engine(f"sqlite:///{empty}"))
    assert_one_line_error(cli("report", "real-yield", "--database-url", f"sqlite:///{empty}", "--deployment", str(m)),
                          "no finalized epochs")
