"""Compile the Vyper contracts with the pinned compiler, cached by source hash.

The cache key covers every `.vy` file in `contracts/`, the snekmate modules and
the compiler version, so any change to an imported module recompiles too.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import orjson

from indexer import atomic
from indexer.chain.system import SOURCES
from indexer.errors import FlywheelError, first_line
from indexer.paths import CONTRACTS_DIR, state_home



@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict]
    bytecode: str


def _snekmate_dir() -> Path:
    import snekmate

    return Path(list(snekmate.__path__)[0])


def source_hash(contracts_dir: Path = CONTRACTS_DIR) -> str:
    # The installed version from package metadata: importing the compiler costs a sixth of a second.
    digest = hashlib.sha256(metadata.version("vyper").encode())
    for root in (contracts_dir, _snekmate_dir()):
        for path in sorted(root.rglob("*.vy*")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _compile(contracts_dir: Path) -> dict[str, dict]:
    from vyper.cli.vyper_compile import compile_files

    files = [str(contracts_dir / f"{name}.vy") for name in SOURCES]
    try:
        out = compile_files(files, ("abi", "bytecode"), paths=[str(contracts_dir)])
    except Exception as exc:  # the compiler raises many types; all mean the same here
        raise FlywheelError(f"contract compilation failed: {first_line(exc, type(exc).__name__)}") from exc
    result = {}
    for path, formats in out.items():
        name = Path(str(path)).stem
        result[name] = {"abi": formats["abi"], "bytecode": formats["bytecode"]}
    return result


def build(contracts_dir: Path = CONTRACTS_DIR, cache_dir: Path | None = None) -> dict[str, Artifact]:
    """Return every contract's ABI and bytecode, compiling only when a source changed."""
    cache_dir = cache_dir or state_home() / "build"
    cache = cache_dir / f"contracts-{source_hash(contracts_dir)}.json"
    if cache.exists():
        raw = orjson.loads(cache.read_bytes())
    else:
        if sys.stderr.isatty():
            # The schema is derived from the ABI, so a machine's first command of any kind compiles; say why it waits.
            print("compiling the contracts (once for these sources) ...", file=sys.stderr, flush=True)
        raw = _compile(contracts_dir)
        atomic.write(cache, json.dumps(raw))
    return {name: Artifact(name, v["abi"], v["bytecode"]) for name, v in raw.items()}
