"""What the suites share: the `flywheel` command line run in this process or as the installed console
script, its one-line errors, free ports, a manifest's contracts, and Hypothesis example counts."""

from __future__ import annotations

import decimal
import os
import socket
import subprocess
import sys
from pathlib import Path

from hypothesis import settings
from typer.testing import CliRunner
from web3 import Web3
from web3.contract import Contract

FLYWHEEL = str(Path(sys.executable).parent / "flywheel")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`flywheel ARGS` as the installed console script, in a subprocess: about 1.7 s of imports each time,
    so for tests that are about the console script itself, or that need a process of their own."""
    return subprocess.run([FLYWHEEL, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`flywheel ARGS` in this process, answered as `run` answers.

    The arguments go through `indexer.cli.main.run`, the wrapper the console script exits with, so the
    one-line errors and exit codes under test are the real ones; Typer's CliRunner only isolates the
    standard streams and the environment (`env` is applied on top of this process's, then undone).
    Decimal arithmetic runs in Python's default context, as in a fresh process: importing Vyper (any
    titanoboa test does) raises this process's precision to 78 digits.
    """
    from indexer.cli import main

    with CliRunner().isolation(env=env) as (stdout, stderr, _), decimal.localcontext(decimal.Context()):
        code = main.run(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    return subprocess.CompletedProcess(["flywheel", *args], code, out, err)


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def contracts_of(w3: Web3, m: dict) -> dict[str, Contract]:
    """The manifest's contracts on `w3`, by manifest key."""
    from indexer.chain.build import build
    from indexer.chain.system import SOURCE

    abi = {name: art.abi for name, art in build().items()}
    return {key: w3.eth.contract(address=address, abi=abi[SOURCE[key]]) for key, address in m["contracts"].items()}


def examples(thorough: int) -> int:
    """`thorough` Hypothesis examples under the `ci` profile; under `dev` (see tests/conftest.py) no more
    than that profile's few, for the property runs whose examples cost seconds each."""
    return min(thorough, settings.default.max_examples)
