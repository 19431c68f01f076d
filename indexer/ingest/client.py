"""JSON-RPC over one HTTP session, built to survive flaky nodes.

Transport errors, timeouts, 5xx answers and cut-off bodies are retried with
exponential backoff and full jitter; a 429 waits as long as its Retry-After
asks. An `eth_getLogs` the node refuses as too large (each common node words
it differently) raises `RangeTooLarge` so the caller can halve the range.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import orjson
import requests

from indexer.chain.node import redact
from indexer.errors import FlywheelError

# Fragments of the messages nodes send when a log query is too big or too slow.
RANGE_ERRORS = (
    "query returned more than", "too many results", "response size", "log response size exceeded",
    "limit exceeded", "range too large", "block range", "exceeds max", "max results", "query timeout",
    "timed out", "too many logs", "response is too big", "result window", "more than 10000",
)


class RangeTooLarge(Exception):
    """The node refused a log query as too large or too slow."""


class NodeError(FlywheelError):
    """The node kept failing after every retry."""


class RpcAnswerError(FlywheelError):
    """The node answered with a JSON-RPC error that retrying will not fix."""


def is_range_error(message: str) -> bool:
    lowered = message.lower()
    return any(fragment in lowered for fragment in RANGE_ERRORS)


class NodeClient:
    def __init__(self, url: str, timeout: float = 15.0, retries: int = 8, base_delay: float = 0.1, max_delay: float = 8.0,
                 on_error: Callable[[str], None] = lambda kind: None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.shown = redact(url)
        self.timeout = timeout
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.on_error = on_error
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["Content-Type"] = "application/json"

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def _post(self, payload: bytes, range_query: bool) -> Any:
        """POST with retries; returns the decoded JSON body."""
        last = "no attempt"
        for attempt in range(self.retries + 1):
            delay = self._backoff(attempt)
            try:
                reply = self.session.post(self.url, data=payload, timeout=self.timeout)
            except requests.Timeout:
                self.on_error("timeout")
                if range_query:
                    raise RangeTooLarge("the log query timed out") from None
                last = "timed out"
            except requests.RequestException as exc:
                self.on_error("transport")
                last = type(exc).__name__
            else:
                if reply.status_code == 429:
                    self.on_error("rate_limited")
                    delay = _retry_after(reply, delay)
                    last = "HTTP 429"
                elif reply.status_code >= 500:
                    self.on_error("http_5xx")
                    if range_query and is_range_error(reply.text):
                        raise RangeTooLarge(reply.text[:200])
                    last = f"HTTP {reply.status_code}"
                elif reply.status_code >= 400 and range_query and is_range_error(reply.text):
                    raise RangeTooLarge(reply.text[:200])
                else:
                    try:
                        return orjson.loads(reply.content)
                    except orjson.JSONDecodeError:
                        self.on_error("bad_body")
                        last = f"an unreadable body (HTTP {reply.status_code})"
            if attempt < self.retries:
                self.sleep(delay)
        raise NodeError(f"the RPC node at {self.shown} kept failing ({last}) after {self.retries + 1} attempts")

    def call(self, method: str, *params: Any) -> Any:
        answer = self._post(orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}), method == "eth_getLogs")
        if not isinstance(answer, dict):
            raise NodeError(f"the RPC node at {self.shown} sent a malformed answer to {method}")
        if "error" in answer:
            message = str(answer["error"].get("message", answer["error"]))
            if method == "eth_getLogs" and is_range_error(message):
                raise RangeTooLarge(message)
            self.on_error("rpc_error")
            raise RpcAnswerError(f"{method} failed at {self.shown}: {message}")
        return answer["result"]

    def batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        if not calls:
            return []
        payload = orjson.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
        for attempt in range(self.retries + 1):
            answers = self._post(payload, False)
            if isinstance(answers, list) and len(answers) == len(calls):
                by_id = {a.get("id"): a for a in answers}
                if all(i in by_id and "result" in by_id[i] for i in range(len(calls))):
                    return [by_id[i]["result"] for i in range(len(calls))]
            # A partial or failed batch is retried whole: its calls are reads.
            self.on_error("bad_batch")
            if attempt < self.retries:
                self.sleep(self._backoff(attempt))
        raise NodeError(f"the RPC node at {self.shown} kept failing a batch of {len(calls)} calls")


def _retry_after(reply: requests.Response, default: float) -> float:
    value = reply.headers.get("Retry-After", "")
    try:
        return min(60.0, max(0.0, float(value)))
    except ValueError:
        return default
