"""An HTTP proxy on 127.0.0.1 that forwards JSON-RPC to a node and injects the faults real nodes show.

Each call path the indexer uses (`PATHS`) walks the fault plan on its own,
from a chosen offset, so every path meets every fault kind once it has made
as many requests as the plan is long, wherever the faults happen to fall;
`injected` counts them by path and kind. Besides transport faults it can
play a node that lags behind the chain (`lag`), a node whose log queries
fail for good (`logs_down`), and run a hook right after a log query was
answered upstream and before its answer is returned (`after_logs`), to
reorganise the chain in the middle of a fetch.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import requests

# The fault each request meets, in turn; None forwards it untouched.
PLAN = (None, "500", None, "429", None, "slow", None, "truncated", None, "rpc_rate_limit", None, None)
FAULTS = frozenset(f for f in PLAN if f)
# single calls, header batches, log queries over a block range, per-block log queries alone and batched.
PATHS = ("call", "batch", "logs_range", "logs_block", "logs_block_batch")


def path_of(request: object) -> str:
    calls = request if isinstance(request, list) else [request]
    logs = [c for c in calls if c.get("method") == "eth_getLogs"]
    if not logs:
        return "batch" if isinstance(request, list) else "call"
    if isinstance(request, list):
        return "logs_block_batch"
    return "logs_block" if "blockHash" in logs[0]["params"][0] else "logs_range"


class FaultyProxy:
    def __init__(self, upstream: str, max_log_range: int | None = None, slow_seconds: float = 0.8,
                 plan: tuple[str | None, ...] = PLAN, offset: int = 0) -> None:
        self.upstream = upstream
        self.max_log_range = max_log_range
        self.slow_seconds = slow_seconds
        self.injected: dict[str, int] = {}
        self.by_path: dict[tuple[str, str], int] = {}  # (path, fault) -> times injected
        self.lag = 0  # blocks this node pretends not to have seen yet
        self.logs_down = False  # every log query answers HTTP 500, every other call works
        self.after_logs: Callable[[], None] | None = None  # run once, after the next log query is answered upstream
        shifted = plan[offset % len(plan):] + plan[:offset % len(plan)]
        self._plans = {path: itertools.cycle(shifted) for path in PATHS}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _count(self, kind: str, path: str | None = None) -> None:
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1
            if path is not None:
                self.by_path[path, kind] = self.by_path.get((path, kind), 0) + 1

    def _next(self, path: str) -> str | None:
        with self._lock:
            return next(self._plans[path])

    def missed(self) -> set[tuple[str, str]]:
        """The (call path, fault) pairs never injected."""
        return {(p, f) for p in PATHS for f in FAULTS} - self.by_path.keys()

    def _upstream(self, request: object) -> bytes:
        return requests.post(self.upstream, data=orjson.dumps(request), headers={"Content-Type": "application/json"}, timeout=30).content

    def _lagging(self, request: object) -> bytes | None:
        """A node `lag` blocks behind: a lower head, and no blocks above it."""
        if not self.lag or not isinstance(request, dict):
            return None
        head = int(orjson.loads(self._upstream({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []}))["result"], 16)
        if request["method"] == "eth_blockNumber":
            return orjson.dumps({"jsonrpc": "2.0", "id": request["id"], "result": hex(head - self.lag)})
        if request["method"] == "eth_getBlockByNumber" and int(request["params"][0], 16) > head - self.lag:
            return orjson.dumps({"jsonrpc": "2.0", "id": request["id"], "result": None})
        return None

    def _after(self, request: object) -> None:
        calls = request if isinstance(request, list) else [request]
        if self.after_logs is not None and any(c.get("method") == "eth_getLogs" for c in calls):
            hook, self.after_logs = self.after_logs, None
            hook()

    def _too_wide(self, body: bytes) -> bytes | None:
        if self.max_log_range is None:
            return None
        request = orjson.loads(body)
        if isinstance(request, dict) and request.get("method") == "eth_getLogs" and "toBlock" in request["params"][0]:
            f = request["params"][0]
            if int(f["toBlock"], 16) - int(f["fromBlock"], 16) + 1 > self.max_log_range:
                return orjson.dumps({"jsonrpc": "2.0", "id": request["id"],
                                     "error": {"code": -32005, "message": "query returned more than 10000 results"}})
        return None

    @staticmethod
    def _rate_limited(body: bytes) -> bytes:
        """What hosted nodes send inside a 200: a JSON-RPC error per call."""
        request = orjson.loads(body)
        error = {"code": -32005, "message": "daily request count exceeded, request rate limited"}
        if isinstance(request, list):
            return orjson.dumps([{"jsonrpc": "2.0", "id": r["id"], "error": error} for r in request])
        return orjson.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error})

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: bytes, headers: dict | None = None, cut: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body[: len(body) // 2] if cut else body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the "slow" fault): that is the point
                if cut:
                    self.close_connection = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                lagging = proxy._lagging(orjson.loads(body))
                if lagging is not None:
                    return self._send(200, lagging)
                refused = proxy._too_wide(body)
                if refused is not None:
                    proxy._count("range")
                    return self._send(200, refused)
                path = path_of(orjson.loads(body))
                if proxy.logs_down and path.startswith("logs"):
                    proxy._count("logs_down")
                    return self._send(500, b"log index unavailable")
                fault = proxy._next(path)
                if fault is not None:
                    proxy._count(fault, path)
                if fault == "500":
                    return self._send(500, b"upstream failure")
                if fault == "429":
                    return self._send(429, b"slow down", {"Retry-After": "0"})
                if fault == "rpc_rate_limit":
                    return self._send(200, proxy._rate_limited(body))
                if fault == "slow":
                    time.sleep(proxy.slow_seconds)
                reply = requests.post(proxy.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                proxy._after(orjson.loads(body))
                if fault == "truncated":
                    return self._send(200, reply.content, cut=True)
                self._send(reply.status_code, reply.content)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> FaultyProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
