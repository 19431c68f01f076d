"""How the node client reads a node's error messages: a log query too large to answer (shrink the range),
a node behind or rate-limiting (wait and ask again), or something else; and what a shown URL keeps."""

from __future__ import annotations

import pytest

from indexer.chain.rpc import is_range_error, is_rate_limited, redact

TOO_LARGE = [
    "query returned more than 10000 results",  # geth
    "query returned more than 10000 results. Try with this block range [0x10, 0x20].",  # Infura
    "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",  # Alchemy
    "eth_getLogs is limited to a 10,000 range",  # QuickNode
    "block range is too wide",  # Ankr
    "exceed maximum block range: 5000",  # erigon
    "query timeout exceeded",
    "Query Returned More Than 10000 Results",  # any letter case
]
NOT_TOO_LARGE = [
    "Request limit exceeded",  # "limit exceeded", but a rate limit: shrinking would not help
    "block range extends beyond current head block",  # "block range", but the node is behind
    "header not found",
    "execution reverted: distributor: invalid proof",
    "nonce too low",
    "",
]


@pytest.mark.parametrize("message", TOO_LARGE)
def test_too_large_or_too_slow_log_queries_are_recognised(message: str) -> None:
    assert is_range_error(message)


@pytest.mark.parametrize("message", NOT_TOO_LARGE)
def test_rate_limits_lagging_nodes_and_other_errors_are_not_range_errors(message: str) -> None:
    assert not is_range_error(message)


@pytest.mark.parametrize(("error", "limited"), [
    ({"code": 429, "message": "anything"}, True),
    ({"code": -32005, "message": "Too Many Requests"}, True),
    ({"code": -32005, "message": "daily request count exceeded, request rate limited"}, True),
    ({"code": -32000, "message": "header not found"}, False),
    ({"code": -32005, "message": "query returned more than 10000 results"}, False),
    ({}, False),
])
def test_rate_limits_are_told_by_code_or_words(error: dict, limited: bool) -> None:
    assert is_rate_limited(error) is limited


@pytest.mark.parametrize(("url", "shown"), [
    ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
    ("https://eth-mainnet.g.alchemy.com/v2/SECRETKEY", "https://eth-mainnet.g.alchemy.com/…"),
    ("https://user:pass@node.example:8443/?apikey=SECRET", "https://node.example:8443/…"),
    ("127.0.0.1:8545", "<invalid URL>"),
    ("http://host:notaport", "<invalid URL>"),
])
def test_a_shown_url_keeps_scheme_host_and_port_only(url: str, shown: str) -> None:
    assert redact(url) == shown
