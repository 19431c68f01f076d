"""The one way to talk to a node: JSON-RPC over one HTTP session, built to survive flaky nodes.

Everything goes through `NodeClient`: the indexer's log queries, the
transactions of deploy, settlement, claims and the simulator, and web3's
contract reads (through `Web3Provider`). So every path gets the same
retries, rate-limit handling, batching and redaction of the URL, whose
credentials, path and query hosted nodes use for API keys.

Answers are parsed with msgspec: the envelope first, with the result left as
raw JSON, then the result into its caller's type. Logs, the bulk of a
backfill, become `Log` structs (about twice as fast to parse as dicts, and
untracked by the garbage collector); everything else plain JSON values.

Transport errors, timeouts, 5xx answers, cut-off bodies and rate limits (HTTP
429, honouring Retry-After, or a JSON-RPC error that says so) are retried with
exponential backoff and full jitter. A log query over several blocks that the
node refuses or times out as too large (each common node words it
differently) raises `RangeTooLarge` so the caller can halve the range. A
query that cannot be split (one block, by number or by hash) has nothing to
halve: its timeouts and "too large" answers are a slow or overloaded node,
retried like any other passing failure. Waits end early when the daemon is
asked to stop.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
import orjson
import requests
import urllib3.exceptions

from indexer.errors import FlywheelError

# Fragments of the messages nodes send when a log query is too big or too slow
# (geth, erigon, reth, besu and hosted providers: Infura, Alchemy, QuickNode, Ankr...).
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
MAX_BATCH_BYTES = 512 * 1024  # and bytes (anvil refuses large bodies outright): signed transactions weigh


def redact(url: str) -> str:
    """The URL without credentials, path or query: hosted nodes carry API keys in any of them
    (`https://eth-mainnet.g.alchemy.com/v2/KEY`, `https://mainnet.infura.io/v3/KEY`, `?apikey=`)."""
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return "<invalid URL>"
    hidden = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{hidden}" if parts.scheme else "<invalid URL>"


class Log(msgspec.Struct, gc=False, rename="camel"):
    """An `eth_getLogs` entry, with the fields the indexer reads (hex strings as the node sends them)."""

    address: str
    topics: list[str]
    data: str
    block_number: str
    block_hash: str
    transaction_hash: str
    log_index: str
    block_timestamp: str | None = None  # geth, reth and anvil send it; others leave it to the header
    removed: bool = False


class _Answer(msgspec.Struct):
    id: Any = None
    result: msgspec.Raw = msgspec.Raw()  # empty when the answer has no result
    error: Any = None


LOGS = msgspec.json.Decoder(list[Log])
_ANSWER = msgspec.json.Decoder(_Answer)
_ANSWERS = msgspec.json.Decoder(list[_Answer] | _Answer)  # a batch's answers, or one error for the whole batch
_JSON = msgspec.json.Decoder()
Parse = Callable[[bytes], Any]


class RangeTooLarge(Exception):
    """The node refused a log query as too large or too slow."""


class Stopped(Exception):
    """The daemon was asked to stop while waiting to retry."""


class NodeError(FlywheelError):
    """The node kept failing after every retry."""

    def __init__(self, message: str, unreadable: bool = False) -> None:
        super().__init__(message)
        self.unreadable = unreadable  # it answered, but not in JSON-RPC: not a node at all, perhaps


class RpcAnswerError(FlywheelError):
    """The node answered with a JSON-RPC error that retrying the same request will not fix."""

    def __init__(self, message: str, error: object = None) -> None:
        super().__init__(message)
        self.error = error if isinstance(error, dict) else {"code": -32603, "message": str(error or message)}

    @property
    def reason(self) -> str:
        """The node's own words, e.g. a revert reason."""
        return _message(self.error)


def is_range_error(message: str) -> bool:
    lowered = message.lower()
    if any(fragment in lowered for fragment in BEHIND_ERRORS + RATE_ERRORS):
        return False  # "request limit exceeded" asks for patience, not a smaller range
    return any(fragment in lowered for fragment in RANGE_ERRORS)


def is_rate_limited(error: dict) -> bool:
    message = str(error.get("message", "")).lower()
    return error.get("code") == 429 or any(fragment in message for fragment in RATE_ERRORS)


def _transient(method: str, error: object) -> bool:
    """An error in answer to one unsplittable call that asking again, later, can cure."""
    if isinstance(error, dict) and is_rate_limited(error):
        return True
    return method == "eth_getLogs" and is_range_error(_message(error))


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

    def _send(self, payload: bytes) -> tuple[int, bytes, requests.Response]:
        reply = self.session.post(self.url, data=payload, timeout=self.timeout, stream=True)
        try:
            # One read of the whole body: requests would assemble it 10 kB at a time in Python, holding the GIL.
            return reply.status_code, reply.raw.read(decode_content=True), reply
        finally:
            reply.close()

    def _post(self, payload: bytes, splittable: bool, parse: Parse) -> Any:
        """POST with retries; returns the body as `parse` reads it. Only a `splittable` log query
        raises `RangeTooLarge`; any other request that times out is asked again."""
        last = "no attempt"
        for attempt in range(self.retries + 1):
            delay = self.backoff(attempt)
            try:
                status, body, reply = self._send(payload)
            except requests.ConnectTimeout:
                self.on_error("transport")
                last = "connect timeout"
            except (requests.Timeout, urllib3.exceptions.ReadTimeoutError):
                self.on_error("timeout")
                if splittable:
                    raise RangeTooLarge("the log query timed out") from None
                last = "timed out"
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                self.on_error("transport")  # refused, reset, or a body cut short of its length
                last = type(exc).__name__
            else:
                if status == 429:
                    self.on_error("rate_limited")
                    delay = _retry_after(reply, delay)
                    last = "HTTP 429"
                elif status >= 400 and splittable and is_range_error(body[:2000].decode(errors="replace")):
                    self.on_error("range")
                    raise RangeTooLarge(body[:200].decode(errors="replace"))
                elif status >= 500:
                    self.on_error("http_5xx")
                    last = f"HTTP {status}"
                else:
                    try:
                        return parse(body)
                    except msgspec.DecodeError:
                        self.on_error("bad_body")
                        last = f"an unreadable body (HTTP {status})"
            if attempt < self.retries:
                self.pause(delay)
        raise NodeError(f"the RPC node at {self.shown} kept failing ({last}) after {self.retries + 1} attempts",
                        unreadable=last.startswith("an unreadable body"))

    def call(self, method: str, *params: Any, result: msgspec.json.Decoder = _JSON, splittable: bool = False) -> Any:
        """One call's result, decoded by `result` (plain JSON values unless told otherwise).

        `splittable` marks a log query over more than one block: the only call
        whose "too large" or timeout is the caller's to fix, by asking less.
        """
        payload = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        for attempt in range(self.retries + 1):
            answer = self._post(payload, splittable, _ANSWER.decode)
            if answer.error is None:
                if not answer.result:
                    self.on_error("bad_body")
                    raise NodeError(f"the RPC node at {self.shown} sent an answer to {method} without a result")
                return self._result(answer.result, result)
            message = _message(answer.error)
            if method == "eth_getLogs" and is_range_error(message):
                self.on_error("range")
                if splittable:
                    raise RangeTooLarge(message)
            elif isinstance(answer.error, dict) and is_rate_limited(answer.error):
                self.on_error("rate_limited")
            else:
                self.on_error("rpc_error")
                raise RpcAnswerError(f"{method} failed at {self.shown}: {message}", answer.error)
            if attempt < self.retries:
                self.pause(self.backoff(attempt + 2))
        raise NodeError(f"the RPC node at {self.shown} kept failing {method} ({message}) after {self.retries + 1} attempts")

    # --- typed helpers for the methods the tools use -------------------------------------

    def chain_id(self) -> int:
        return int(self.call("eth_chainId"), 16)

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def block(self, tag: int | str = "latest") -> dict:
        found = self.call("eth_getBlockByNumber", hex(tag) if isinstance(tag, int) else tag, False)
        if found is None:
            raise NodeError(f"the RPC node at {self.shown} has no block {tag}")
        return found

    def timestamp(self) -> int:
        """The latest block's time: the chain's clock, which on a dev chain is not the wall clock."""
        return int(self.block()["timestamp"], 16)

    def nonce(self, address: str, tag: str = "pending") -> int:
        return int(self.call("eth_getTransactionCount", address, tag), 16)

    def balance(self, address: str) -> int:
        return int(self.call("eth_getBalance", address, "latest"), 16)

    def code(self, address: str) -> bytes:
        return bytes.fromhex(self.call("eth_getCode", address, "latest")[2:])

    def eth_call(self, to: str, data: bytes, sender: str | None = None) -> bytes:
        """The call's return data; a revert raises `RpcAnswerError` with the reason."""
        tx = {"to": to, "data": "0x" + data.hex()} | ({"from": sender} if sender else {})
        return bytes.fromhex(self.call("eth_call", tx, "latest")[2:])

    def estimate_gas(self, tx: dict) -> int:
        return int(self.call("eth_estimateGas", tx), 16)

    def send_raw(self, raw: str) -> str:
        return self.call("eth_sendRawTransaction", raw)

    def receipt(self, tx_hash: str, timeout: float = 120.0) -> dict | None:
        """The transaction's receipt once mined, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.call("eth_getTransactionReceipt", tx_hash)
            if found is not None or time.monotonic() > deadline:
                return found
            self.pause(0.05)

    def dev(self, method: str, *params: Any) -> Any:
        """A dev-chain method (anvil's `evm_*`, `anvil_*`): refused by real nodes, which is one clear line."""
        try:
            return self.call(method, *params)
        except RpcAnswerError as exc:
            raise FlywheelError(f"the node at {self.shown} refused {method}: it must be a local dev chain such as anvil "
                                f"({exc.reason})") from None

    def _result(self, raw: msgspec.Raw, decoder: msgspec.json.Decoder) -> Any:
        try:
            return decoder.decode(raw)
        except msgspec.ValidationError as exc:  # well-formed JSON of the wrong shape: not a node we can read
            self.on_error("bad_body")
            raise NodeError(f"the RPC node at {self.shown} sent a result of an unexpected shape: {exc}") from None

    def batch(self, calls: list[tuple[str, list]], result: msgspec.json.Decoder = _JSON) -> list[Any]:
        """The results of `calls`, in order, sent as few batch requests as the node allows.

        A call the node answers with an error raises `RpcAnswerError` (after
        rate-limit retries): callers decide what a failed read means.
        """
        out: list[Any] = []
        for chunk in _chunks(calls):
            if self.batching and len(chunk) > 1:
                out += self._batch(chunk, result)
            else:
                out += [self.call(m, *p, result=result) for m, p in chunk]
        return out

    def _batch(self, calls: list[tuple[str, list]], result: msgspec.json.Decoder) -> list[Any]:
        payload = orjson.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
        for attempt in range(self.retries + 1):
            answers = self._post(payload, False, _ANSWERS.decode)
            if isinstance(answers, _Answer):
                if not (isinstance(answers.error, dict) and is_rate_limited(answers.error)):
                    # One error for the whole request: the node does not take batches; ask one call at a time.
                    self.batching = False
                    return [self.call(m, *p, result=result) for m, p in calls]
                self.on_error("rate_limited")
            else:
                by_id = {a.id: a for a in answers}
                if all(i in by_id for i in range(len(calls))):
                    failed = [(calls[i][0], by_id[i].error) for i in range(len(calls)) if by_id[i].error is not None]
                    if not failed:
                        return [self._result(by_id[i].result or msgspec.Raw(b"null"), result) for i in range(len(calls))]
                    if not all(_transient(m, e) for m, e in failed):
                        self.on_error("rpc_error")
                        raise RpcAnswerError(f"{failed[0][0]} failed at {self.shown}: {_message(failed[0][1])}", failed[0][1])
                    # Every call in a batch is unsplittable (one block each): a "too large" is a slow node too.
                    limited = any(isinstance(e, dict) and is_rate_limited(e) for _, e in failed)
                    self.on_error("rate_limited" if limited else "range")
                else:
                    self.on_error("bad_batch")  # answers missing: retry the batch whole, its calls are reads
            if attempt < self.retries:
                self.pause(self.backoff(attempt + 1))
        raise NodeError(f"the RPC node at {self.shown} kept failing a batch of {len(calls)} calls")


def _chunks(calls: list[tuple[str, list]]) -> list[list[tuple[str, list]]]:
    """Calls in order, cut into batches of at most `MAX_BATCH` calls and about `MAX_BATCH_BYTES`."""
    chunks: list[list[tuple[str, list]]] = [[]]
    size = 0
    for call in calls:
        weight = len(orjson.dumps(call[1])) + 64
        if chunks[-1] and (len(chunks[-1]) >= MAX_BATCH or size + weight > MAX_BATCH_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(call)
        size += weight
    return [c for c in chunks if c]


def _retry_after(reply: requests.Response, default: float) -> float:
    value = reply.headers.get("Retry-After", "")
    try:
        return min(60.0, max(0.0, float(value)))
    except ValueError:
        return default
