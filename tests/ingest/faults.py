"""An HTTP proxy on 127.0.0.1 that forwards JSON-RPC to a node and injects the faults real nodes show.

Besides transport faults it can play a node that lags behind the chain
(`lag`), and run a hook right after a log query was answered upstream and
before its answer is returned (`after_logs`), to reorganise the chain in
the middle of a fetch.
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


class FaultyProxy:
    def __init__(self, upstream: str, max_log_range: int | None = None, slow_seconds: float = 0.8,
                 plan: tuple[str | None, ...] = PLAN) -> None:
        self.upstream = upstream
        self.max_log_range = max_log_range
        self.slow_seconds = slow_seconds
        self.injected: dict[str, int] = {}
        self.lag = 0  # blocks this node pretends not to have seen yet
        self.after_logs: Callable[[], None] | None = None  # run once, after the next log query is answered upstream
        self._plan = itertools.cycle(plan)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1

    def _next(self) -> str | None:
        with self._lock:
            return next(self._plan)

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
                fault = proxy._next()
                if fault == "500":
                    proxy._count("500")
                    return self._send(500, b"upstream failure")
                if fault == "429":
                    proxy._count("429")
                    return self._send(429, b"slow down", {"Retry-After": "0"})
                if fault == "rpc_rate_limit":
                    proxy._count("rpc_rate_limit")
                    return self._send(200, proxy._rate_limited(body))
                if fault == "slow":
                    proxy._count("slow")
                    time.sleep(proxy.slow_seconds)
                reply = requests.post(proxy.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                proxy._after(orjson.loads(body))
                if fault == "truncated":
                    proxy._count("truncated")
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
