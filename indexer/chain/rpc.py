"""A small JSON-RPC client: one HTTP session, orjson, and batches."""

from __future__ import annotations

from typing import Any

import orjson
import requests

from indexer.chain.node import redact
from indexer.errors import FlywheelError


# Nodes cap the calls and the bytes of one batch request (anvil refuses large ones outright).
BATCH_LIMIT = 200
BATCH_BYTES = 512 * 1024


class RpcError(FlywheelError):
    """The node answered with a JSON-RPC error."""

    def __init__(self, method: str, error: dict) -> None:
        self.code = error.get("code")
        self.data = error.get("data")
        super().__init__(f"{method} failed: {error.get('message', error)}")


class Rpc:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Content-Type"] = "application/json"

    def _post(self, payload: object) -> Any:
        try:
            reply = self.session.post(self.url, data=orjson.dumps(payload), timeout=self.timeout)
        except requests.RequestException:
            raise FlywheelError(f"cannot reach the RPC node at {redact(self.url)}") from None
        try:
            return orjson.loads(reply.content)
        except orjson.JSONDecodeError:
            raise FlywheelError(f"the RPC node at {redact(self.url)} sent a non-JSON answer (HTTP {reply.status_code})") from None

    def call(self, method: str, *params: Any) -> Any:
        answer = self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        if "error" in answer:
            raise RpcError(method, answer["error"])
        return answer["result"]

    def batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        """Run many calls in as few requests as nodes accept; results come back in call order."""
        results: list[Any] = []
        chunk: list[tuple[str, list]] = []
        size = 0
        for call in calls:
            weight = len(orjson.dumps(call[1]))
            if chunk and (len(chunk) >= BATCH_LIMIT or size + weight > BATCH_BYTES):
                results += self._batch(chunk)
                chunk, size = [], 0
            chunk.append(call)
            size += weight
        return results + self._batch(chunk)

    def _batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        if not calls:
            return []
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        answers = self._post(payload)
        if not isinstance(answers, list):
            raise RpcError(calls[0][0], answers.get("error", {"message": "batch refused"}))
        by_id = {a["id"]: a for a in answers}
        results = []
        for i, (method, _) in enumerate(calls):
            answer = by_id[i]
            if "error" in answer:
                raise RpcError(method, answer["error"])
            results.append(answer["result"])
        return results
