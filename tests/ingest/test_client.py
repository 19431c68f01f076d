"""The node client against a scripted JSON-RPC server on loopback: which failures it retries, and which
it hands back to the fetcher as a range to shrink."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from indexer.chain.rpc import LOGS, NodeClient, NodeError, RangeTooLarge

BLOCK_HASH = "0x" + "ab" * 32
LOG = {"address": "0x" + "11" * 20, "topics": [], "data": "0x", "blockNumber": "0x5", "blockHash": BLOCK_HASH,
       "transactionHash": "0x" + "cd" * 32, "logIndex": "0x0"}

# What the server does with the next requests, one entry each: "slow" (answers after the client's timeout),
# "timeout_error" (a JSON-RPC error worded as a query timeout); anything left over is answered normally.
Script = list[str]


class ScriptedServer:
    def __init__(self, script: Script) -> None:
        self.script = list(script)
        self.requests: list[object] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(request)
                    step = server.script.pop(0) if server.script else "answer"
                if step == "slow":
                    time.sleep(0.5)
                body = orjson.dumps([server.answer(r, step) for r in request] if isinstance(request, list) else server.answer(request, step))
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    @staticmethod
    def answer(request: dict, step: str) -> dict:
        if step == "timeout_error":
            return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32000, "message": "query timeout exceeded"}}
        return {"jsonrpc": "2.0", "id": request["id"], "result": [LOG]}


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        server = ScriptedServer(script)
        # A short poll: shutdown() waits for the loop to look, 0.5 s by default.
        threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


def client(url: str, retries: int = 4) -> NodeClient:
    return NodeClient(url, timeout=0.2, retries=retries, base_delay=0.001, max_delay=0.01)


BY_HASH = {"address": [], "blockHash": BLOCK_HASH}
ONE_BLOCK = {"address": [], "fromBlock": "0x5", "toBlock": "0x5"}
TWO_BLOCKS = {"address": [], "fromBlock": "0x5", "toBlock": "0x6"}


@pytest.mark.parametrize("query", [BY_HASH, ONE_BLOCK], ids=["by-hash", "one-block-range"])
@pytest.mark.parametrize("step", ["slow", "timeout_error"])
def test_a_one_block_log_query_that_times_out_is_asked_again(serve, query: dict, step: str) -> None:
    server = serve([step, step])
    logs = client(server.url).call("eth_getLogs", query, result=LOGS)
    assert [log.block_hash for log in logs] == [BLOCK_HASH]
    assert len(server.requests) == 3


def test_a_per_block_batch_of_one_is_asked_again_too(serve) -> None:
    """The follower's per-block fetch of a single new block: a batch of one goes out as one call."""
    server = serve(["slow", "timeout_error"])
    (logs,) = client(server.url).batch([("eth_getLogs", [BY_HASH])], result=LOGS)
    assert len(logs) == 1 and len(server.requests) == 3


def test_a_batch_of_per_block_queries_with_a_timeout_answer_is_asked_again(serve) -> None:
    server = serve(["timeout_error"])
    answers = client(server.url).batch([("eth_getLogs", [BY_HASH]), ("eth_getLogs", [BY_HASH])], result=LOGS)
    assert [len(a) for a in answers] == [1, 1] and len(server.requests) == 2


@pytest.mark.parametrize("step", ["slow", "timeout_error"])
def test_a_range_of_several_blocks_that_times_out_is_handed_back_to_shrink(serve, step: str) -> None:
    server = serve([step])
    with pytest.raises(RangeTooLarge):
        client(server.url).call("eth_getLogs", TWO_BLOCKS, result=LOGS, splittable=True)
    assert len(server.requests) == 1


def test_a_node_that_never_answers_a_one_block_query_is_a_node_error_after_the_retries(serve) -> None:
    server = serve(["slow"] * 10)
    with pytest.raises(NodeError, match="kept failing"):
        client(server.url, retries=3).call("eth_getLogs", BY_HASH, result=LOGS)
    assert len(server.requests) == 4
