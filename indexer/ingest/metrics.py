"""Prometheus metrics and health endpoints of a running indexer."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from indexer.errors import FlywheelError


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.indexed_block = Gauge("flywheel_indexed_block", "Last block committed to the database", registry=self.registry)
        self.head_block = Gauge("flywheel_head_block", "The node's head block at the last poll", registry=self.registry)
        self.lag = Gauge("flywheel_lag_blocks", "Blocks between the head (less confirmations) and the checkpoint", registry=self.registry)
        self.events = Counter("flywheel_events", "Events written, by table", ["table"], registry=self.registry)
        self.rpc_errors = Counter("flywheel_rpc_errors", "RPC failures, by kind", ["kind"], registry=self.registry)
        self.range_size = Gauge("flywheel_range_blocks", "Current eth_getLogs range size", registry=self.registry)
        self.reorgs = Counter("flywheel_reorgs", "Chain reorganisations rolled back", registry=self.registry)
        self.failures = Counter("flywheel_poll_failures", "Polls that failed on the node or the database and were retried",
                                registry=self.registry)
        self.retry_wait = Gauge("flywheel_retry_wait_seconds", "Pause before the next try after failing polls; 0 when healthy",
                                registry=self.registry)
        self.ready = threading.Event()


def serve(metrics: Metrics, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Serve /metrics, /health and /ready (503 until the backfill is done)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, status, kind = generate_latest(metrics.registry), 200, CONTENT_TYPE_LATEST
            elif self.path == "/health":
                body, status, kind = b"ok\n", 200, "text/plain"
            elif self.path == "/ready":
                ready = metrics.ready.is_set()
                body, status, kind = (b"ready\n", 200, "text/plain") if ready else (b"backfilling\n", 503, "text/plain")
            else:
                body, status, kind = b"not found\n", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        raise FlywheelError(f"cannot serve metrics on {host}:{port}: {exc.strerror}") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
