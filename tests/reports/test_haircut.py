"""The demand screen's haircut, against small event databases computed by hand: an outside payer is suspect only up
to the USD value it received from rewarded accounts and has not spent yet; a rewarded payer is suspect whole; the
allow list clears; `flywheel db allow` replaces the list or, given a bad line, nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from indexer.app import allowlist
from indexer.db.engine import make_engine
from indexer.db.schema import allowed_account
from indexer.reports import build, demand as demands
from tests.helpers import assert_one_line_error, cli
from tests.reports.eventdb import Chain, create
from tests.reports.test_report_metrics import DIST, INFO, PUSD, REG, TOKEN, USD, T, at, finalize, pay

K, K2, C, F, X, R = (f"0x{i:040x}" for i in range(0xb1, 0xb7))  # contributors K, K2; payers C, F, X, R
PRICE = 83_210_000  # 0.8321 USD per token


def network(url: str, events, last_price: int = PRICE) -> Engine:
    """K registers a node in epoch 0; `events(c)` adds the rest; epochs 0 to 3 are finalized at PRICE (3 at
    `last_price`), each with 1000 tokens of subsidy, and 3 with 9,500 USD of revenue."""
    engine = make_engine(url)
    create(engine)
    with engine.begin() as conn:
        c = Chain(conn)
        c.emit("node_registered", REG, at(0), owner=K, node_id="0x" + "01" * 32, epoch=0)
        events(c)
        for epoch in range(3):
            finalize(c, epoch, 1000 * T, 0, PRICE)
        finalize(c, 3, 1000 * T, 9_500 * USD, last_price)
    return engine


def demand(engine: Engine):
    with engine.connect() as conn:
        report = demands.demand(conn, INFO, "epoch")
        facts = {f.epoch: f for f in build.epoch_facts(conn, INFO)}
    return report, facts, {a["account"]: a for a in report.extra["suspect_accounts"]}


def test_a_dust_gift_taints_no_more_than_it_is_worth(database_url: str) -> None:
    def events(c: Chain) -> None:
        c.emit("transfer", TOKEN, at(1), sender=K, receiver=C, value=1)  # 1 wei
        pay(c, C, 3, 50_000 * USD, 2_500 * USD)

    report, facts, accounts = demand(network(database_url, events))
    # 1 wei at 0.8321 USD is 8.3e-19 USD: floored to 0 payment-token units.
    assert facts[3].suspect_gross == 0 and facts[3].suspect_net == 0
    row = report.rows[3]
    assert Decimal(str(row["suspect_revenue_usd"])) <= Decimal("0.01")
    assert row["real_yield_share_excl_suspect"] == row["real_yield_share"]
    assert float(row["real_yield_share"]) == pytest.approx(9_500 / (9_500 + 832.1), abs=1e-8)
    assert C not in accounts and report.summary["suspect_accounts"] == 0


def test_a_token_gift_taints_its_value_at_the_transfer_epochs_price(database_url: str) -> None:
    def events(c: Chain) -> None:
        c.emit("transfer", TOKEN, at(1), sender=K, receiver=C, value=1000 * T)
        pay(c, C, 3, 50_000 * USD, 2_500 * USD)

    report, facts, accounts = demand(network(database_url, events))
    # 1000 tokens at epoch 1's 0.8321 USD: 832.10 USD of the 50,000; fee part 2,500 * 832.1 / 50,000 = 41.605.
    assert facts[3].suspect_gross == 832_100_000 and facts[3].suspect_net == 832_100_000 - 41_605_000
    assert accounts[C]["suspect_paid_usd"] == "832.1" and accounts[C]["payments"] == 1
    assert accounts[C]["evidence"] == f"received 1000 network tokens ($832.10) from {K} at block 2"


def test_tokens_sent_in_an_epoch_not_finalized_take_the_last_finalized_price(database_url: str) -> None:
    """Epoch 4 is never finalized: its transfer is valued at epoch 3's price."""
    def events(c: Chain) -> None:
        c.emit("transfer", TOKEN, at(1), sender=K, receiver=C, value=10 * T)
        c.emit("transfer", TOKEN, at(4), sender=K, receiver=C, value=10 * T)
        pay(c, C, 3, 100 * USD, 0)

    _, _, accounts = demand(network(database_url, events, last_price=2 * 10**8))
    # 10 tokens at epoch 1's 0.8321 USD and 10 at epoch 3's 2 USD: 28.321 USD.
    assert accounts[C]["suspect_paid_usd"] == "28.321"


def test_stablecoins_from_a_contributor_taint_at_face_value_and_are_spent_in_chain_order(database_url: str) -> None:
    def events(c: Chain) -> None:
        c.emit("transfer", PUSD, at(1), sender=K, receiver=F, value=5_000 * USD)
        pay(c, F, 3, 3_000 * USD, 150 * USD)  # all suspect: 5,000 of taint, 2,000 left
        pay(c, F, 3, 5_000 * USD, 250 * USD)  # 2,000 of 5,000 suspect, fee part 250 * 2,000 / 5,000 = 100

    report, facts, accounts = demand(network(database_url, events))
    assert facts[3].suspect_gross == 5_000 * USD and facts[3].suspect_net == (5_000 - 250) * USD
    assert Decimal(str(report.rows[3]["suspect_revenue_usd"])) == 5000
    # Revenue 9,500 less the suspect share of the epoch's net payments, 4,750 of 7,600; subsidy 832.1.
    clean = 9_500 * (1 - 4_750 / 7_600)
    assert float(report.rows[3]["real_yield_share_excl_suspect"]) == pytest.approx(clean / (clean + 832.1), abs=1e-8)
    assert accounts[F]["suspect_paid_usd"] == "5000" and accounts[F]["payments"] == 2
    assert accounts[F]["evidence"] == f"received $5,000.00 in payment tokens from {K} at block {accounts_block(report, F)}"
    assert report.summary["suspect_payments_usd"] == "5000" and report.summary["all_payments_usd"] == "8000"


def test_taint_received_after_a_payment_does_not_reach_back(database_url: str) -> None:
    def events(c: Chain) -> None:
        pay(c, F, 3, 1_000 * USD, 0)
        c.emit("transfer", PUSD, at(3, 20), sender=K, receiver=F, value=400 * USD)
        pay(c, F, 3, 1_000 * USD, 0)

    _, facts, _ = demand(network(database_url, events))
    assert facts[3].suspect_gross == 400 * USD


def test_a_self_dealing_contributor_is_suspect_for_all_its_payments(database_url: str) -> None:
    def events(c: Chain) -> None:
        pay(c, K2, 0, 700 * USD, 35 * USD)  # before it registered: all payments of a rewarded account count
        c.emit("reward_claimed", DIST, at(1), account=K2, subsidy=0, revenue=1 * USD)
        pay(c, K2, 3, 1_000 * USD, 50 * USD)

    report, facts, accounts = demand(network(database_url, events))
    assert (facts[0].suspect_gross, facts[0].suspect_net) == (700 * USD, 665 * USD)
    assert (facts[3].suspect_gross, facts[3].suspect_net) == (1_000 * USD, 950 * USD)
    assert accounts[K2]["suspect_paid_usd"] == "1700" and accounts[K2]["payments"] == 2
    assert accounts[K2]["evidence"] == "claimed rewards (first at block 3)"


def test_an_allowed_exchange_is_never_suspect_and_passes_on_no_taint(database_url: str) -> None:
    def events(c: Chain) -> None:
        c.emit("transfer", TOKEN, at(1), sender=K, receiver=X, value=10_000 * T)
        c.emit("transfer", PUSD, at(1), sender=K, receiver=X, value=2_000 * USD)
        pay(c, X, 3, 3_000 * USD, 150 * USD)
        c.emit("transfer", PUSD, at(2), sender=X, receiver=C, value=2_000 * USD)  # X sells on to a customer
        pay(c, C, 3, 2_000 * USD, 100 * USD)
        c.emit("node_registered", REG, at(2), owner=K2, node_id="0x" + "02" * 32, epoch=2)  # an allowed contributor
        pay(c, K2, 3, 10 * USD, 0)
        c.emit("transfer", PUSD, at(2), sender=K2, receiver=F, value=100 * USD)  # not a source while allowed
        pay(c, F, 3, 100 * USD, 0)

    engine = network(database_url, events)
    report, facts, accounts = demand(engine)
    # Unlisted, X is suspect for 3,000 (10,000 tokens at 0.8321 and 2,000 USD: 10,321 of taint), K2 for 10, F for 100.
    assert set(accounts) == {X, K2, F} and accounts[X]["suspect_paid_usd"] == "3000"
    assert report.summary["allowed_accounts_cleared"] == 0

    assert allowlist.replace(engine, {X: "an exchange", K2: "the treasury"}) == 2
    report, facts, accounts = demand(engine)
    assert accounts == {} and facts[3].suspect_gross == 0
    assert report.summary["suspect_accounts"] == 0 and report.summary["allowed_accounts_cleared"] == 2


def test_rewards_claimed_to_a_recipient_taint_it_as_if_sent_by_the_claimant(database_url: str) -> None:
    def events(c: Chain) -> None:
        c.emit("reward_claimed", DIST, at(1), account=K, subsidy=100 * T, revenue=50 * USD)
        c.emit("reward_recipient", DIST, at(1), account=K, recipient=R, subsidy=100 * T, revenue=50 * USD)
        c.emit("transfer", TOKEN, at(1), sender="0x" + "00" * 20, receiver=R, value=100 * T)
        c.emit("transfer", PUSD, at(1), sender=DIST, receiver=R, value=50 * USD)
        pay(c, R, 3, 400 * USD, 20 * USD)

    report, facts, accounts = demand(network(database_url, events))
    # 100 tokens at 0.8321 USD and 50 USD: 133.21 USD of the 400; fee part 20 * 133.21 / 400 = 6.6605.
    assert facts[3].suspect_gross == 133_210_000 and facts[3].suspect_net == 133_210_000 - 6_660_500
    assert accounts[R]["suspect_paid_usd"] == "133.21"
    assert accounts[R]["evidence"] == (f"received rewards claimed by {K}: 100 network tokens and $50.00 in payment tokens ($133.21) "
                                       "at block 3")


def test_evidence_lists_a_few_links_and_counts_the_rest(database_url: str) -> None:
    def events(c: Chain) -> None:
        for _ in range(7):
            c.emit("transfer", PUSD, at(1), sender=K, receiver=F, value=1 * USD)
        pay(c, F, 3, 100 * USD, 0)

    _, _, accounts = demand(network(database_url, events))
    links = accounts[F]["evidence"].split("; ")
    assert len(links) == 6 and links[-1] == "and 2 more links ($7.00 received in all)"


def stored(url: str) -> dict[str, str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(select(allowed_account.c.account, allowed_account.c.note)).all())
    engine.dispose()
    return rows


def test_db_allow_replaces_the_list_and_refuses_a_bad_file_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    create(make_engine(url))
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    csv_file = tmp_path / "allow.csv"
    csv_file.write_text(f'account,note\n{checksummed},"Exchange, hot wallet"\n\n{X}\n')
    result = cli("db", "allow", str(csv_file), "--database-url", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 accounts on the allow list"
    assert stored(url) == {checksummed.lower(): "Exchange, hot wallet", X: ""}

    plain = tmp_path / "allow.txt"
    plain.write_text(f"{K}\n")
    assert cli("db", "allow", str(plain), "--database-url", url).stdout.strip() == "1 account on the allow list"
    assert stored(url) == {K: ""}

    bad = tmp_path / "bad.txt"
    bad.write_text(f"{X}\n0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n")  # a wrong checksum
    assert_one_line_error(cli("db", "allow", str(bad), "--database-url", url), f"{bad} line 2")
    bad.write_text(f"account,note\n{X},ok\nnot-an-address,x\n")
    assert_one_line_error(cli("db", "allow", str(bad), "--database-url", url), f"{bad} line 3: 'not-an-address' is not an address")
    bad.write_text(f"{X}\n{X.upper().replace('0X', '0x')}\n")
    assert_one_line_error(cli("db", "allow", str(bad), "--database-url", url), f"{bad} line 2: {X} is listed already (line 1)")
    assert stored(url) == {K: ""}

    header_only = tmp_path / "none.csv"
    header_only.write_text("account\n")
    assert cli("db", "allow", str(header_only), "--database-url", url).stdout.strip() == "0 accounts on the allow list"
    assert_one_line_error(cli("db", "allow", str(tmp_path / "missing.csv"), "--database-url", url), "allow list file not found")
    assert_one_line_error(cli("db", "allow", str(header_only), "--database-url", f"sqlite:///{tmp_path / 'none.db'}"), "no database at")


def accounts_block(report, account: str) -> str:
    """The block an evidence line names, read back from it (the scenario's blocks are numbered by its helper)."""
    evidence = next(a["evidence"] for a in report.extra["suspect_accounts"] if a["account"] == account)
    return evidence.rsplit(" ", 1)[-1]

