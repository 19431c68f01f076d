"""The reports that read the settlement ledger (earned versus claimed, liabilities, the supply side) against a
small network computed by hand, exactly, on SQLite and PostgreSQL; and the pure rules they rest on.

The network (prices 1.00, 2.00 and 0.50 USD in epochs 0, 1 and 2; epoch 3 finalized with nothing in it):

    epoch 0: A works 3 (node N1 2, N2 1), B 2 (N3 2); N5 (B) is idle.  100 tokens, $10: A 60/$6, B 40/$4.
             then A claims 60 tokens and $6 (60 tokens minted).
    epoch 1: A 1 (N1), B 1 (N3), C 2 (N4, new); N2 idle; N5 retired.  100 tokens, $20: A 25/$5, B 25/$5, C 50/$10.
             then B claims 65 tokens and $9 (65 minted).
    epoch 2: finalized, revoked (a stale row of its old root is left for D), finalized again: C 1 (N4); N1, N3
             idle; N2 retired.  40 tokens: C 40.  then A burns 10 tokens.
    epoch 3: finalized with no work, and no ledger rows.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from indexer.api.app import create_app
from indexer.chain.manifest import load
from indexer.db.engine import make_engine
from indexer.db.schema import allocation, node_work
from indexer.errors import FlywheelError
from indexer.reports import build, ledger as ledgers, liabilities as liability, supply as supplies
from indexer.ingest.store import Stream, register as register_stream
from indexer.reports.model import summary_lines
from tests.helpers import cli
from tests.reports.eventdb import Chain, create
from tests.reports.test_report_cli import manifest_file, report
from tests.reports.test_report_metrics import DIST, INFO, REG, TOKEN, ZERO, at, scenario as unledgered

T = 10**18
USD = 10**6
A, B, C, D = (f"0x{i:040x}" for i in range(0xb1, 0xb5))
N1, N2, N3, N4, N5 = (f"0x{i:064x}" for i in range(1, 6))
ROOT = {0: "0x" + "a0" * 32, 1: "0x" + "a1" * 32, 2: "0x" + "a2" * 32, 3: "0x" + "a3" * 32}
STALE = "0x" + "2f" * 32  # epoch 2's revoked root
PRICES = {0: 100_000_000, 1: 200_000_000, 2: 50_000_000, 3: 50_000_000}


def finalize(c: Chain, epoch: int, subsidy: int, revenue: int, root: str | None = None) -> int:
    return c.emit("epoch_finalized", DIST, at(epoch + 1, 1), epoch=epoch, root=root or ROOT[epoch], subsidy=subsidy,
                  revenue=revenue, work_units=0, contributors=0, price=PRICES[epoch])


def allocate(c: Chain, epoch: int, block: int, rows: list[tuple], root: str | None = None) -> None:
    for account, work, subsidy, revenue, cum_subsidy, cum_revenue in rows:
        c.conn.execute(allocation.insert().values(
            chain_id=c.chain_id, distributor=DIST, epoch=epoch, account=account, work_units=work, subsidy=subsidy,
            revenue=revenue, cumulative_subsidy=cum_subsidy, cumulative_revenue=cum_revenue, root=root or ROOT[epoch],
            block_number=block))


def work(c: Chain, epoch: int, block: int, rows: list[tuple[str, str, int]]) -> None:
    for node, owner, units in rows:
        c.conn.execute(node_work.insert().values(chain_id=c.chain_id, distributor=DIST, epoch=epoch, node_id=node, owner=owner,
                                                 work_units=units, root=ROOT[epoch], block_number=block))


def register(c: Chain, owner: str, node: str, epoch: int) -> None:
    c.emit("node_registered", REG, at(epoch), owner=owner, node_id=node, epoch=epoch)


def retire(c: Chain, owner: str, node: str, epoch: int) -> None:
    c.emit("node_retired", REG, at(epoch), owner=owner, node_id=node, epoch=epoch)


def claim(c: Chain, account: str, epoch: int, subsidy: int, revenue: int) -> None:
    c.emit("reward_claimed", DIST, at(epoch, 2), account=account, subsidy=subsidy, revenue=revenue)
    c.emit("transfer", TOKEN, at(epoch, 2), sender=ZERO, receiver=account, value=subsidy)


def network(url: str) -> Engine:
    engine = make_engine(url)
    create(engine)
    with engine.begin() as conn:
        c = Chain(conn)
        for owner, node in ((A, N1), (A, N2), (B, N3), (B, N5)):
            register(c, owner, node, 0)
        block = finalize(c, 0, 100 * T, 10 * USD)
        allocate(c, 0, block, [(A, 3, 60 * T, 6 * USD, 60 * T, 6 * USD), (B, 2, 40 * T, 4 * USD, 40 * T, 4 * USD)])
        work(c, 0, block, [(N1, A, 2), (N2, A, 1), (N3, B, 2)])
        claim(c, A, 1, 60 * T, 6 * USD)
        register(c, C, N4, 1)
        retire(c, B, N5, 1)
        block = finalize(c, 1, 100 * T, 20 * USD)
        allocate(c, 1, block, [(A, 1, 25 * T, 5 * USD, 85 * T, 11 * USD), (B, 1, 25 * T, 5 * USD, 65 * T, 9 * USD),
                               (C, 2, 50 * T, 10 * USD, 50 * T, 10 * USD)])
        work(c, 1, block, [(N1, A, 1), (N3, B, 1), (N4, C, 2)])
        claim(c, B, 2, 65 * T, 9 * USD)
        retire(c, A, N2, 2)
        block = finalize(c, 2, 40 * T, 0, STALE)
        allocate(c, 2, block, [(D, 1, 40 * T, 0, 40 * T, 0)], STALE)  # left behind by the revoked root: never counted
        c.emit("root_revoked", DIST, at(3, 1), epoch=2, root=STALE)
        block = finalize(c, 2, 40 * T, 0)
        allocate(c, 2, block, [(C, 1, 40 * T, 0, 90 * T, 10 * USD)])
        work(c, 2, block, [(N4, C, 1)])
        c.emit("transfer", TOKEN, at(3, 3), sender=A, receiver=ZERO, value=10 * T)
        finalize(c, 3, 0, 0)
    return engine


def built(engine: Engine, make, *args, **kwargs):
    with engine.connect() as conn:
        return make(conn, INFO, *args, **kwargs).finished(INFO.payment_decimals)


# --- pure rules ---------------------------------------------------------------------------------------------------

def test_kaplan_meier_median_by_hand_with_censoring() -> None:
    # Retired at 1, 2, 2 and 4; still running at 2, 3 and 5 (censored).
    lifetimes = [(1, True), (2, True), (2, True), (2, False), (3, False), (4, True), (5, False)]
    # S(1) = 6/7; at 2, six at risk (the one censored at 2 among them), two retire: S = 6/7 × 4/6 = 4/7 > 1/2;
    # 3 is only a censoring; at 4, two at risk, one retires: S = 4/7 × 1/2 = 2/7 <= 1/2. The median is 4, where
    # the retired nodes alone (1, 2, 2, 4) would say 2.
    assert supplies.kaplan_meier_median(lifetimes) == 4
    # Censored nodes hold the curve up: with the same retirements and more nodes still running, it never reaches 1/2.
    assert supplies.kaplan_meier_median(lifetimes + [(9, False)] * 4) is None
    assert supplies.kaplan_meier_median([(3, True)]) == 3
    assert supplies.kaplan_meier_median([]) is None
    # Exactly one half is the median: two nodes, one retires at 1.
    assert supplies.kaplan_meier_median([(1, True), (5, False)]) == 1


@pytest.mark.parametrize(("values", "p10", "p50", "p90"), [
    ([0, 1, 2, 2], 0, 1, 2),  # ranks ceil(0.4) = 1, ceil(2) = 2, ceil(3.6) = 4
    ([0, 0, 1], 0, 0, 1),
    ([7], 7, 7, 7),
    (list(range(1, 11)), 1, 5, 9),  # ranks 1, 5 and 9 of ten
    ([10**30, 3, 10**30 + 1], 3, 10**30, 10**30 + 1),  # exact, whatever the size
])
def test_nearest_rank_percentiles_by_hand(values: list[int], p10: int, p50: int, p90: int) -> None:
    assert [supplies.nearest_rank(values, p) for p in (10, 50, 90)] == [p10, p50, p90]


def test_period_work_counts_active_nodes_without_work_as_idle_zeros() -> None:
    nodes = {n: supplies.Node(n, A, 0, r) for n, r in ((N1, None), (N2, None), (N3, None), (N5, 1))}
    w = supplies.period_work([0], nodes, {N1: 2, N2: 1, N3: 2})
    assert w.idle_share == Decimal("0.25")  # N5 was active and did nothing
    assert (w.p10, w.p50, w.p90) == (0, 1, 2)
    assert w.gini == Decimal("0.35") and w.top_share == Decimal("0.4")  # 2·16/(4·5) − 5/4; 2 of 5
    # N5 retired in epoch 1, so in epoch 1 it is not active, and not idle.
    assert supplies.period_work([1], nodes, {N1: 1}).idle_share == Decimal(2) / 3
    assert supplies.period_work([], nodes, {}).idle_share is None


# --- earned versus claimed ----------------------------------------------------------------------------------------

def test_contributors_earned_and_unclaimed_by_hand(database_url: str) -> None:
    report = built(network(database_url), build.contributors)
    rows = {r["account"]: r for r in report.rows}
    assert set(rows) == {A, B, C}  # D's row belongs to a revoked root; C earned and never claimed, and is here
    assert [r["account"] for r in report.rows] == [C, A, B]  # by earned USD
    a, b, c = rows[A], rows[B], rows[C]
    # A: 60 tokens at $1 and 25 at $2 earned; claimed 60 in epoch 1, at epoch 0's price.
    assert (a["earned_subsidy_tokens"], a["earned_subsidy_usd"], a["earned_revenue_usd"], a["earned_usd"]) == ("85", "110", "11", "121")
    assert (a["claimed_subsidy_usd"], a["claimed_usd"]) == ("60", "66")
    # Unclaimed: entitlements 85 tokens and $11 less the claim; tokens at the last finalized price, $0.50.
    assert (a["unclaimed_subsidy_tokens"], a["unclaimed_revenue_usd"], a["unclaimed_usd"]) == ("25", "5", "17.5")
    assert (a["first_epoch_earned"], a["last_epoch_earned"]) == (0, 1)
    assert (b["earned_usd"], b["claimed_usd"], b["unclaimed_usd"]) == ("99", "139", "0")
    assert (c["earned_subsidy_usd"], c["earned_usd"], c["claimed_usd"], c["first_epoch_claimed"]) == ("120", "130", "0", None)
    assert (c["unclaimed_subsidy_tokens"], c["unclaimed_usd"], c["first_epoch_earned"], c["last_epoch_earned"]) == ("90", "55", 1, 2)
    for r in report.rows:  # earned − claimed = unclaimed, in tokens
        assert Decimal(r["earned_subsidy_tokens"]) - Decimal(r["claimed_subsidy_tokens"]) == Decimal(r["unclaimed_subsidy_tokens"])
    s = report.summary
    assert (s["earned_usd"], s["unclaimed_usd"], s["ledger"]) == ("350", "72.5", "imported through epoch 2 of 3 finalized")
    # Earned 130, 121, 99: Gini 2·(99 + 2·121 + 3·130)/(3·350) − 4/3; the top account's share 130/350.
    assert s["gini_earned"] == 0.05904762 and s["top_10_percent_share_earned"] == 0.37142857
    assert s["gini"] is not None and s["top_10_percent_share"] is not None  # the claimed figures stay beside them


def test_without_a_ledger_earned_is_unknown_and_said_once(database_url: str) -> None:
    engine = unledgered(database_url)
    report = built(engine, build.contributors)
    assert all(r[k] is None for r in report.rows for k in build.EARNED)
    assert report.summary["ledger"] == ledgers.NOT_IMPORTED and report.summary["gini_earned"] is None
    words = summary_lines(report.summary)
    assert [w for w in words if "ledger" in w] == [f"settlement ledger: {ledgers.NOT_IMPORTED}"]
    assert not any("earned" in w or "unclaimed" in w for w in words)
    yearly = built(engine, build.real_yield, "epoch").summary
    assert yearly["overhang_usd"] is None and not any("overhang" in w for w in summary_lines(yearly))
    with pytest.raises(FlywheelError, match="settlement ledger is not imported"):
        built(engine, liability.liabilities, "epoch")


# --- liabilities ----------------------------------------------------------------------------------------------------

def test_liabilities_by_hand(database_url: str) -> None:
    engine = network(database_url)
    report = built(engine, liability.liabilities, "epoch")
    rows = {r["epoch_start"]: r for r in report.rows}
    assert sorted(rows) == [0, 1, 2]  # the ledger's epochs: epoch 3 has no rows yet
    keys = ("unclaimed_subsidy_tokens", "closing_price_usd", "unclaimed_subsidy_usd", "unclaimed_revenue_usd", "unclaimed_usd",
            "circulating_supply_tokens", "overhang_share_of_supply")
    # After epoch 0: 100 tokens and $10 earned, A's 60 and $6 claimed (and minted).
    assert [rows[0][k] for k in keys] == ["40", "1", "40", "4", "44", "60", 0.66666667]
    # After epoch 1: 200 tokens and $30 earned, 125 and $15 claimed; tokens at $2.
    assert [rows[1][k] for k in keys] == ["75", "2", "150", "15", "165", "125", 0.6]
    # After epoch 2: 240 tokens earned (D's stale row not among them), nothing more claimed; A burned 10.
    assert [rows[2][k] for k in keys] == ["115", "0.5", "57.5", "15", "72.5", "115", 1.0]
    s = report.summary
    assert (s["overhang_tokens"], s["overhang_usd"], s["overhang_share_of_supply"], s["unclaimed_usd"]) == ("115", "57.5", 1.0, "72.5")
    assert report.extra["largest_unclaimed"] == [{"account": C, "unclaimed_usd": "55"}, {"account": A, "unclaimed_usd": "17.5"}]
    # A day holds all three epochs: its figures are those after its last.
    (day,) = built(engine, liability.liabilities, "day").rows
    assert (day["epoch_start"], day["epoch_end"], day["period"], day["unclaimed_usd"]) == (0, 2, "1970-01-01", "72.5")
    yearly = built(engine, build.real_yield, "epoch").summary
    assert (yearly["overhang_usd"], yearly["overhang_share_of_supply"]) == ("57.5", 1.0)


# --- supply ---------------------------------------------------------------------------------------------------------

def test_supply_by_hand(database_url: str) -> None:
    engine = network(database_url)
    report = built(engine, supplies.supply, "epoch")
    rows = {r["epoch_start"]: r for r in report.rows}
    keys = ("nodes_active", "nodes_new", "nodes_retired", "churn", "idle_share", "work_p10", "work_p50", "work_p90",
            "work_gini", "work_top_10_percent_share", "contributors_with_work")
    assert [rows[0][k] for k in keys] == [4, 4, 0, None, 0.25, 0, 1, 2, 0.35, 0.4, 2]
    # Epoch 1: N5 retired (1 of the 4 active before), N4 new; N2 idle among N1-N4; work 1, 0, 1, 2.
    assert [rows[1][k] for k in keys] == [4, 1, 1, 0.25, 0.25, 0, 1, 2, 0.375, 0.5, 3]
    # Epoch 2: N2 retired; of N1, N3 and N4 only N4 worked.
    assert [rows[2][k] for k in keys] == [3, 0, 1, 0.25, 0.66666667, 0, 0, 1, 0.66666667, 1.0, 1]
    # Epoch 3: no node rows and beyond the ledger: unknown, not 0.
    assert [rows[3][k] for k in keys] == [3, 0, 0, 0.0, None, None, None, None, None, None, None]
    s = report.summary
    # Lifetimes to epoch 3: N5 retired at 1, N2 at 2; N1 and N3 running for 3, N4 for 2. S(1) = 4/5, S(2) = 3/5.
    assert (s["nodes_registered"], s["nodes_retired"], s["nodes_still_active"], s["median_node_lifetime_epochs"]) == (5, 2, 3, None)
    assert "hardware_cost_usd" not in s
    # N2 earned a third of A's epoch-0 allocation ($66): $22; N5 earned nothing.
    assert built(engine, supplies.supply, "epoch", Decimal(20)).summary["retired_before_payback_share"] == 0.5
    assert built(engine, supplies.supply, "epoch", Decimal(30)).summary["retired_before_payback_share"] == 1.0
    (day,) = built(engine, supplies.supply, "day").rows
    # Over the day a node's work is its sum: N1 3, N2 1, N3 3, N4 3, N5 0.
    assert (day["nodes_new"], day["nodes_retired"], day["idle_share"], day["work_p50"], day["contributors_with_work"]) == (5, 2, 0.2, 3, 3)


def test_supply_without_node_work_or_ledger(database_url: str) -> None:
    report = built(unledgered(database_url), supplies.supply, "epoch")
    assert all(r["idle_share"] is None and r["contributors_with_work"] is None for r in report.rows)
    assert report.rows[0]["nodes_active"] == 2 and report.rows[1]["nodes_retired"] == 1


# --- the backends agree ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sqlite_and_postgresql_give_the_same_json(database_url: str, tmp_path) -> None:
    engines = {"postgresql": network(database_url), "sqlite": network(f"sqlite:///{tmp_path / 'same.db'}")}
    makes = [(build.contributors, ()), (liability.liabilities, ("week",)), (liability.liabilities, ("epoch",)),
             (supplies.supply, ("epoch", Decimal(20))), (supplies.supply, ("month",)), (build.real_yield, ("epoch",))]
    for make, args in makes:
        sqlite, postgres = (json.dumps(built(engines[k], make, *args).to_json(), sort_keys=True) for k in ("sqlite", "postgresql"))
        assert sqlite == postgres, make.__name__


# --- every format, the command line and the API -------------------------------------------------------------------

def test_command_line_formats_and_api(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    network(url).dispose()
    m = manifest_file(tmp_path)
    for name, args in (("liabilities", ["--interval", "week"]), ("supply", ["--hardware-cost", "20"])):
        data = json.loads(report(url, m, name, "--format", "json", *args))
        table = report(url, m, name, *args)
        png, page = tmp_path / f"{name}.png", tmp_path / f"{name}.html"
        report(url, m, name, "--out", str(png), *args)
        report(url, m, name, "--out", str(page), *args)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
        assert "<svg" in page.read_text() and "<table>" in page.read_text()
        assert report(url, m, name, "--format", "csv", *args).splitlines()[0].startswith("epoch_start")
        if name == "liabilities":
            assert data["largest_unclaimed"][0] == {"account": C, "unclaimed_usd": "55"}
            assert "Largest unclaimed accounts" in table and "overhang share of supply: 100.00%" in table
        else:
            assert data["summary"]["retired_before_payback_share"] == 0.5 and "Kaplan-Meier" in table
    engine = make_engine(url)
    manifest = load(m)
    register_stream(engine, Stream.of(manifest), manifest)
    client = TestClient(create_app(engine))
    for name, params, args in (("supply", {}, []), ("supply", {"hardware_cost": "20", "interval": "day"}, ["--hardware-cost", "20", "--interval", "day"]),
                               ("liabilities", {"interval": "month"}, ["--interval", "month"])):
        reply = client.get(f"/api/reports/{name}", params=params)
        assert reply.status_code == 200, reply.text
        assert reply.json() == json.loads(report(url, m, name, "--format", "json", *args))
    assert cli("report", "supply", "--hardware-cost", "-1", "--database-url", url, "--deployment", str(m)).returncode != 0
