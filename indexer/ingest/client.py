"""JSON-RPC over one HTTP session, built to survive flaky nodes.

Transport errors, timeouts, 5xx answers, cut-off bodies and rate limits (HTTP
429, honouring Retry-After, or a JSON-RPC error that says so) are retried with
exponential backoff and full jitter. A log query the node refuses or times out
as too large (each common node words it differently) raises `RangeTooLarge`
so the caller can halve the range. Waits end early when the daemon is asked
to stop.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson
import requests

from indexer.chain.node import redact
from indexer.errors import FlywheelError

# Fragments of the messages nodes send when a log query is too big or too slow
# (geth, erigon, reth, nethermind, besu, anvil and the hosted providers).
RANGE_ERRORS = (
    "query returned more than", "too many results", "response size", "log response size exceeded",
    "limit exceeded", "range too large", "block range", "exceeds max", "exceed max", "max results", "query timeout",
    "timed out", "too many logs", "response is too big", "result window", "more than 10000", "exceeds limit",
    "range limit", "is limited to", "range too high", "range is too wide", "retry with the range", "maximum range",
)
# A lagging backend behind a load balancer says these about blocks it has not seen yet: retry, do not shrink.
BEHIND_ERRORS = ("beyond current head", "after last accepted block", "header not found", "unknown block",
                 "block not found", "is not available")
RATE_ERRORS = ("rate limit", "too many requests", "exceeded the quota", "request limit", "capacity exceeded",
               "daily request count")
MAX_BATCH = 100  # calls per batch request: many providers refuse larger ones


class RangeTooLarge(Exception):
    """The node refused a log query as too large or too slow."""


class Stopped(Exception):
    """The daemon was asked to stop while waiting to retry."""


class NodeError(FlywheelError):
    """The node kept failing after every retry."""


class RpcAnswerError(FlywheelError):
    """The node answered with a JSON-RPC error that retrying the same request will not fix."""


def is_range_error(message: str) -> bool:
    lowered = message.lower()
    if any(fragment in lowered for fragment in BEHIND_ERRORS):
        return False
    return any(fragment in lowered for fragment in RANGE_ERRORS)


def is_rate_limited(error: dict) -> bool:
    message = str(error.get("message", "")).lower()
    return error.get("code") == 429 or any(fragment in message for fragment in RATE_ERRORS)


def _message(error: object) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


class NodeClient:
    def __init__(self, url: str, timeout: float = 15.0, retries: int = 8, base_delay: float = 0.1, max_delay: float = 8.0,
                 on_error: Callable[[str], None] = lambda kind: None, stop: threading.Event | None = None) -> None:
        self.url = url
        self.shown = redact(url)
        self.timeout = timeout
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.on_error = on_error
        self.stop = stop or threading.Event()
        self.batching = True  # off once the node has shown it does not take batch requests
        self.session = requests.Session()
        self.session.headers["Content-Type"] = "application/json"

    def backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def pause(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Stopped()

    def _post(self, payload: bytes, range_query: bool) -> Any:
        """POST with retries; returns the decoded JSON body."""
        last = "no attempt"
        for attempt in range(self.retries + 1):
            delay = self.backoff(attempt)
            try:
                reply = self.session.post(self.url, data=payload, timeout=self.timeout)
            except requests.ConnectTimeout:
                self.on_error("transport")
                last = "connect timeout"
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
                elif reply.status_code >= 400 and range_query and is_range_error(reply.text):
                    self.on_error("range")
                    raise RangeTooLarge(reply.text[:200])
                elif reply.status_code >= 500:
                    self.on_error("http_5xx")
                    last = f"HTTP {reply.status_code}"
                else:
                    try:
                        return orjson.loads(reply.content)
                    except orjson.JSONDecodeError:
                        self.on_error("bad_body")
                        last = f"an unreadable body (HTTP {reply.status_code})"
            if attempt < self.retries:
                self.pause(delay)
        raise NodeError(f"the RPC node at {self.shown} kept failing ({last}) after {self.retries + 1} attempts")

    def call(self, method: str, *params: Any) -> Any:
        payload = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        for attempt in range(self.retries + 1):
            answer = self._post(payload, method == "eth_getLogs")
            if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
                self.on_error("bad_body")
                raise NodeError(f"the RPC node at {self.shown} sent a malformed answer to {method}")
            if "error" not in answer:
                return answer["result"]
            error = answer["error"]
            if method == "eth_getLogs" and is_range_error(_message(error)):
                self.on_error("range")
                raise RangeTooLarge(_message(error))
            if not (isinstance(error, dict) and is_rate_limited(error)):
                self.on_error("rpc_error")
                raise RpcAnswerError(f"{method} failed at {self.shown}: {_message(error)}")
            self.on_error("rate_limited")
            if attempt < self.retries:
                self.pause(self.backoff(attempt + 2))
        raise NodeError(f"the RPC node at {self.shown} kept rate-limiting {method}")

    def batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        """The results of `calls`, in order, sent as few batch requests as the node allows.

        A call the node answers with an error raises `RpcAnswerError` (after
        rate-limit retries): callers decide what a failed read means.
        """
        out: list[Any] = []
        for first in range(0, len(calls), MAX_BATCH):
            chunk = calls[first:first + MAX_BATCH]
            out += self._batch(chunk) if self.batching and len(chunk) > 1 else [self.call(m, *p) for m, p in chunk]
        return out

    def _batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        payload = orjson.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
        for attempt in range(self.retries + 1):
            answers = self._post(payload, False)
            if isinstance(answers, dict) and not is_rate_limited(answers.get("error") or {}):
                # One error for the whole request: the node does not take batches; ask one call at a time.
                self.batching = False
                return [self.call(m, *p) for m, p in calls]
            by_id = {a.get("id"): a for a in answers if isinstance(a, dict)} if isinstance(answers, list) else {}
            if all(i in by_id for i in range(len(calls))):
                errors = [by_id[i]["error"] for i in range(len(calls)) if "error" in by_id[i]]
                if not errors:
                    return [by_id[i].get("result") for i in range(len(calls))]
                if not all(isinstance(e, dict) and is_rate_limited(e) for e in errors):
                    self.on_error("rpc_error")
                    raise RpcAnswerError(f"{calls[0][0]} failed at {self.shown}: {_message(errors[0])}")
                self.on_error("rate_limited")
            else:
                # Answers missing: retry the batch whole, its calls are reads.
                self.on_error("bad_batch")
            if attempt < self.retries:
                self.pause(self.backoff(attempt + 1))
        raise NodeError(f"the RPC node at {self.shown} kept failing a batch of {len(calls)} calls")


def _retry_after(reply: requests.Response, default: float) -> float:
    value = reply.headers.get("Retry-After", "")
    try:
        return min(60.0, max(0.0, float(value)))
    except ValueError:
        return default
