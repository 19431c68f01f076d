"""Amounts from the command line and back, exactly; and where a creation puts its contract."""

from __future__ import annotations

import pytest

from indexer.chain.accounts import dev_account
from indexer.chain.system import created_address
from indexer.chain.units import PRICE, Unit
from indexer.errors import FlywheelError

USD = Unit("USD", 6)
FLY = Unit("FLY", 18)


@pytest.mark.parametrize(("text", "base"), [("1", 10**6), ("0.1", 100_000), ("250.5", 250_500_000), ("1e3", 10**9),
                                            ("1_000", 10**9), ("0.000001", 1)])
def test_amounts_parse_to_exact_base_units(text: str, base: int) -> None:
    assert USD.parse(text, "--amount") == base


@pytest.mark.parametrize(("text", "fragment"), [("abc", "must be a number"), ("0", "positive"), ("-1", "positive"),
                                                ("nan", "positive"), ("0.0000001", "more than 6 decimals"),
                                                ("1e80", "too large"), ("1,000", "must be a number")])
def test_bad_amounts_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(FlywheelError, match=fragment):
        USD.parse(text, "--amount")


def test_amounts_show_exact_grouped_and_trimmed() -> None:
    assert USD.show(1_234_500_000) == "1,234.5 USD"
    assert FLY.show(266_225_165_562_913_907_284_768) == "266,225.165562913907284768 FLY"
    assert FLY.show(10**25) == "10,000,000 FLY"
    assert PRICE.plain(49_990_156) == "0.49990156" and PRICE.plain(10**8) == "1"
    assert USD.plain(-1) == "-0.000001"


def test_a_creation_lands_where_its_sender_and_nonce_say() -> None:
    deployer = dev_account(0).address
    assert created_address(deployer, 0) == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert created_address(deployer, 1) == "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
    assert created_address(deployer, 200) != created_address(deployer, 201)
