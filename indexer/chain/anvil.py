"""Run a local anvil on 127.0.0.1: find the pinned binary, start it, stop it, report on it."""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from indexer import atomic
from indexer.chain.rpc import NodeClient, NodeError
from indexer.errors import FlywheelError
from indexer.paths import NODE_MODULES, state_home

DEFAULT_PORT = 8545
HOST = "127.0.0.1"

_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
    ("Darwin", "arm64"): "darwin-arm64",
}


def anvil_binary() -> Path:
    """`FLYWHEEL_ANVIL`, else the pinned anvil of a checkout's npm platform package, else `anvil` on PATH."""
    override = os.environ.get("FLYWHEEL_ANVIL")
    if override:
        if not Path(override).is_file():
            raise FlywheelError(f"FLYWHEEL_ANVIL={override} is not a file: point it at an anvil binary")
        return Path(override)
    plat = _PLATFORMS.get((platform.system(), platform.machine()))
    if plat and NODE_MODULES is not None:
        candidate = NODE_MODULES / "@foundry-rs" / f"anvil-{plat}" / "bin" / "anvil"
        if candidate.exists():
            return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise FlywheelError("anvil not found: set FLYWHEEL_ANVIL to its path, run `bash scripts/setup.sh` in a checkout "
                        "(it installs one into node_modules), or put `anvil` on PATH (Foundry's foundryup)")


def rpc_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def _pid_file(port: int) -> Path:
    return state_home() / f"chain-{port}.json"


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


def _alive(pid: int) -> bool:
    try:
        # Reap it first if it is our own child, so a stopped chain is not seen as a zombie.
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise FlywheelError(f"anvil exited at start: {tail[0]}")
        try:
            NodeClient(url, timeout=0.5, retries=0).chain_id()
            return
        except NodeError:
            time.sleep(0.05)
    proc.kill()
    raise FlywheelError(f"anvil did not answer on {url} in time")


@dataclass
class Chain:
    port: int
    pid: int
    url: str
    log: Path


def start(port: int = DEFAULT_PORT, extra_args: tuple[str, ...] = (), state_dir: Path | None = None) -> Chain:
    """Start anvil in the background and record its pid; refuses a busy port."""
    if _port_busy(port):
        raise FlywheelError(f"port {port} on {HOST} is already in use: `flywheel chain status --port {port}` tells whether it is ours")
    state = state_dir or state_home()
    log = state / f"chain-{port}.log"
    args = [str(anvil_binary()), "--host", HOST, "--port", str(port), "--chain-id", "31337", *extra_args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = rpc_url(port)
    _wait_ready(url, proc, log, time.monotonic() + 20)
    chain = Chain(port=port, pid=proc.pid, url=url, log=log)
    atomic.write(state / f"chain-{port}.json", json.dumps({"port": port, "pid": proc.pid, "url": url, "log": str(log)}))
    return chain


def recorded(port: int) -> Chain | None:
    """The chain `start` recorded on `port`, if its process still runs."""
    path = _pid_file(port)
    if not path.exists():
        return None
    info = json.loads(path.read_text())
    if not _alive(info["pid"]):
        path.unlink(missing_ok=True)
        return None
    return Chain(port=info["port"], pid=info["pid"], url=info["url"], log=Path(info["log"]))


def stop(port: int = DEFAULT_PORT) -> bool:
    """Stop the chain started on `port`; False when none was running."""
    chain = recorded(port)
    if chain is None:
        return False
    os.kill(chain.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(chain.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(chain.pid):
        os.kill(chain.pid, signal.SIGKILL)
    _pid_file(port).unlink(missing_ok=True)
    return True


def running() -> list[Chain]:
    """The chains `start` recorded whose processes still run, by port."""
    found = (recorded(int(path.stem.split("-", 1)[1])) for path in sorted(state_home().glob("chain-*.json")))
    return sorted((c for c in found if c is not None), key=lambda c: c.port)


def default_rpc_url(chain_id: int | None = None) -> str:
    """The one chain `flywheel chain up` started (on `chain_id`, when a manifest names one); else an error that
    lists what runs. Never a guess: a command sent to the wrong chain spends real gas or writes the wrong data."""
    chains = running()
    if chain_id is not None:
        chains = [c for c in chains if _chain_id(c.url) == chain_id]
    where = f" on chain {chain_id}" if chain_id is not None else ""
    if not chains:
        raise FlywheelError(f"no --rpc-url given and no local chain{where} running: start one with `flywheel chain up`")
    if len(chains) > 1:
        listed = ", ".join(c.url for c in chains)
        raise FlywheelError(f"no --rpc-url given and {len(chains)} local chains{where} are running ({listed}): pass --rpc-url")
    return chains[0].url


def _chain_id(url: str) -> int | None:
    try:
        return NodeClient(url, timeout=2, retries=0).chain_id()
    except FlywheelError:
        return None
