"""Every real-yield metric against a small scenario computed by hand, exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from indexer.errors import FlywheelError
from indexer.reports import build, demand as demands
from indexer.db.engine import make_engine
from indexer.reports.queries import DeploymentInfo
from tests.reports.eventdb import Chain, create

T = 10**18
USD = 10**6
GENESIS = 1_000
L = 100
ZERO = "0x0000000000000000000000000000000000000000"
DIST, GATE, REG, TOKEN, PUSD, FEED = (f"0x{i:040x}" for i in range(0xd1, 0xd7))
A, B, C1, W, C2 = (f"0x{i:040x}" for i in range(0xa1, 0xa6))
INFO = DeploymentInfo(chain_id=31337, genesis=GENESIS, epoch_length=L, payment_decimals=6, contracts={
    "reward_distributor": DIST, "payment_gateway": GATE, "node_registry": REG, "network_token": TOKEN,
    "payment_token": PUSD, "price_feed": FEED,
})


def at(epoch: int, offset: int = 10) -> int:
    return GENESIS + epoch * L + offset


def finalize(c: Chain, epoch: int, subsidy: int, revenue: int, price: int) -> None:
    c.emit("epoch_finalized", DIST, at(epoch + 1, 1), epoch=epoch, root="0x" + "ab" * 32, subsidy=subsidy,
           revenue=revenue, work_units=10, contributors=2, price=price)


def pay(c: Chain, customer: str, epoch: int, amount: int, fee: int) -> None:
    c.emit("payment_received", GATE, at(epoch), customer=customer, epoch=epoch, amount=amount, fee=fee, reference="0x" + "00" * 32)


def scenario(url: str):
    engine = make_engine(url)
    create(engine)
    with engine.begin() as conn:
        c = Chain(conn)
        c.emit("node_registered", REG, at(0), owner=A, node_id="0x" + "01" * 32, epoch=0)
        c.emit("node_registered", REG, at(0), owner=B, node_id="0x" + "02" * 32, epoch=0)
        pay(c, C1, 0, 100 * USD, 5 * USD)
        finalize(c, 0, 1000 * T, 95 * USD, 50_000_000)
        # Epoch 1: A claims, funds W with stablecoins, W pays; B retires its node.
        c.emit("reward_claimed", DIST, at(1, 2), account=A, subsidy=600 * T, revenue=50 * USD)
        c.emit("transfer", TOKEN, at(1, 2), sender=ZERO, receiver=A, value=600 * T)
        c.emit("transfer", PUSD, at(1, 3), sender=A, receiver=W, value=100 * USD)
        pay(c, C1, 1, 100 * USD, 5 * USD)
        pay(c, W, 1, 100 * USD, 5 * USD)
        c.emit("node_retired", REG, at(1), owner=B, node_id="0x" + "02" * 32, epoch=1)
        finalize(c, 1, 900 * T, 190 * USD, 40_000_000)
        # Epoch 2: a root revoked, then the epoch finalized again; A burns 10 tokens.
        c.emit("transfer", TOKEN, at(2), sender=A, receiver=ZERO, value=10 * T)
        finalize(c, 2, 800 * T, 0, 100_000_000)
        c.emit("root_revoked", DIST, at(3, 2), epoch=2, root="0x" + "ab" * 32)
        finalize(c, 2, 810 * T, 0, 100_000_000)
        finalize(c, 3, 0, 0, 100_000_000)
        pay(c, C2, 4, 400 * USD, 20 * USD)
        finalize(c, 4, 100 * T, 300 * USD, 100_000_000)
    return engine


def share8(numerator: int, denominator: int) -> float:
    """A ratio as every report carries it: rounded once, half-even, to 8 decimal places."""
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN))


def test_real_yield_per_epoch_by_hand(database_url: str) -> None:
    engine = scenario(database_url)
    with engine.connect() as conn:
        report = build.real_yield(conn, INFO, "epoch").finished(INFO.payment_decimals)
    rows = {r["epoch_start"]: r for r in report.rows}
    assert sorted(rows) == [0, 1, 2, 3, 4]

    e0 = rows[0]
    assert (e0["subsidy_tokens"], e0["price_usd"], e0["subsidy_usd"], e0["revenue_usd"]) == ("1000", "0.5", "500", "95")
    assert e0["real_yield_share"] == share8(95, 595) == 0.15966387
    assert e0["coverage_ratio"] == 0.19
    assert (e0["gross_payments_usd"], e0["protocol_fees_usd"], e0["payments"], e0["active_nodes"]) == ("100", "5", 1, 2)
    assert e0["revenue_per_node_usd"] == "47.5"
    assert e0["net_new_supply_tokens"] == "0"
    assert e0["start_time"] == "1970-01-01T00:16:40Z"

    e1 = rows[1]
    assert (e1["subsidy_usd"], e1["revenue_usd"], e1["gross_payments_usd"], e1["protocol_fees_usd"]) == ("360", "190", "200", "10")
    assert e1["active_nodes"] == 1 and e1["revenue_per_node_usd"] == "190"
    assert e1["net_new_supply_tokens"] == "600"
    assert e1["suspect_revenue_usd"] == "100"
    # Revenue 190 less W's half of the epoch's net payments (95 of 190) = 95.
    assert e1["real_yield_share_excl_suspect"] == share8(95, 455)
    assert e1["cumulative_subsidy_usd"] == "860" and e1["cumulative_revenue_usd"] == "285"
    assert e1["cumulative_share"] == share8(285, 1145)

    e2 = rows[2]  # the revoked finalization is not counted; the second one is
    assert (e2["subsidy_tokens"], e2["subsidy_usd"], e2["real_yield_share"], e2["coverage_ratio"]) == ("810", "810", 0.0, 0.0)
    assert e2["net_new_supply_tokens"] == "-10"

    e3 = rows[3]  # nothing on either side: unknown, not zero
    assert e3["real_yield_share"] is None and e3["coverage_ratio"] is None
    assert e3["active_nodes"] == 1

    assert rows[4]["real_yield_share"] == 0.75 and rows[4]["gross_payments_usd"] == "400"
    assert report.summary["crossover_epoch"] == 4
    assert report.summary["latest_share"] == 0.75
    assert report.summary["cumulative_subsidy_usd"] == "1770" and report.summary["cumulative_revenue_usd"] == "585"


def test_longer_intervals_sum_usd_before_dividing(database_url: str) -> None:
    engine = scenario(database_url)
    with engine.connect() as conn:
        report = build.real_yield(conn, INFO, "day").finished(INFO.payment_decimals)
    (row,) = report.rows
    assert (row["epoch_start"], row["epoch_end"], row["start_time"]) == (0, 4, "1970-01-01T00:00:00Z")
    assert row["subsidy_usd"] == "1770" and row["revenue_usd"] == "585"
    assert row["real_yield_share"] == share8(585, 2355)
    assert row["period"] == "1970-01-01"
    # The interval's price is value-weighted: subsidy USD over subsidy tokens.
    assert row["price_usd"] == "0.62989324"  # 1770 / 2810 to the feed's 8 decimals
    assert row["active_nodes"] == 1 and row["gross_payments_usd"] == "700"


def test_demand_flags_funded_and_rewarded_payers_only(database_url: str) -> None:
    engine = scenario(database_url)
    with engine.connect() as conn:
        report = demands.demand(conn, INFO, "epoch")
    accounts = {a["account"]: a for a in report.extra["suspect_accounts"]}
    assert set(accounts) == {W}
    assert accounts[W]["suspect_paid_usd"] == "100" and accounts[W]["payments"] == 1
    # W was funded with 100 USD by A (block 7 of the scenario) and paid 100: all of it is suspect.
    assert accounts[W]["evidence"] == f"received $100.00 in payment tokens from {A} at block 7"
    assert report.summary["suspect_payments_usd"] == "100" and report.summary["all_payments_usd"] == "700"
    assert report.summary["suspect_accounts"] == 1 and report.summary["allowed_accounts_cleared"] == 0


def test_rewards_claimed_to_a_fresh_address_do_not_launder_its_payments(database_url: str) -> None:
    """B claims to a new address R (no transfer from B shows it) and R pays: R's payment is suspect up to what it got."""
    engine = scenario(database_url)
    r = f"0x{0xa9:040x}"
    with engine.begin() as conn:
        c = Chain(conn)
        c.emit("reward_claimed", DIST, at(5, 1), account=B, subsidy=10 * T, revenue=30 * USD)
        c.emit("reward_recipient", DIST, at(5, 1), account=B, recipient=r, subsidy=10 * T, revenue=30 * USD)
        c.emit("transfer", PUSD, at(5, 1), sender=DIST, receiver=r, value=30 * USD)
        pay(c, r, 5, 30 * USD, 2 * USD)
        finalize(c, 5, 0, 28 * USD, 100_000_000)
    with engine.connect() as conn:
        report = demands.demand(conn, INFO, "epoch")
    accounts = {a["account"]: a for a in report.extra["suspect_accounts"]}
    assert set(accounts) == {W, r}
    # R got 10 tokens at epoch 5's price of 1 USD and 30 USD: 40 USD, more than its 30 USD payment.
    assert accounts[r]["suspect_paid_usd"] == "30"
    assert accounts[r]["evidence"] == (f"received rewards claimed by {B}: 10 network tokens and $30.00 in payment tokens ($40.00) "
                                       "at block 2")


def test_empty_database_and_unknown_interval_are_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    create(engine)
    with engine.connect() as conn:
        with pytest.raises(FlywheelError, match="no finalized epochs"):
            build.real_yield(conn, INFO, "epoch")
    with engine.connect() as conn:
        with pytest.raises(FlywheelError, match="unknown interval 'fortnight'"):
            build.real_yield(conn, INFO, "fortnight")


def test_contributors_by_hand(database_url: str) -> None:
    engine = scenario(database_url)
    with engine.connect() as conn:
        report = build.contributors(conn, INFO).finished(INFO.payment_decimals)
    rows = {r["account"]: r for r in report.rows}
    a, b = rows[A], rows[B]
    # A claimed in epoch 1: valued at epoch 0's price (the last finalized before the claim), 0.5 USD.
    assert (a["claimed_subsidy_tokens"], a["claimed_subsidy_usd"], a["claimed_revenue_usd"], a["claimed_usd"]) == ("600", "300", "50", "350")
    # A registered its node in epoch 0 and claimed once, in epoch 1: the epochs are those of claims.
    assert (a["nodes_registered"], a["nodes_active"], a["first_epoch_claimed"], a["last_epoch_claimed"]) == (1, 1, 1, 1)
    assert (b["claimed_usd"], b["nodes_registered"], b["nodes_active"]) == ("0", 1, 0)
    assert (b["first_epoch_claimed"], b["last_epoch_claimed"]) == (None, None)
    assert report.rows[0]["account"] == A
    assert report.summary["top_10_percent_share"] == 1.0
    assert report.summary["gini"] == 0.5
