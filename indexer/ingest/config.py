"""Indexer settings from flags, environment (`FLYWHEEL_RPC_URL`, `FLYWHEEL_DATABASE_URL`) or a TOML file.

Flags win over the environment, which wins over the file, which wins over the defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path

from indexer import userfiles
from indexer.errors import FlywheelError


@dataclass(frozen=True)
class IndexerConfig:
    rpc_url: str | None = None
    database_url: str = "sqlite:///flywheel.db"
    deployment: str | None = None  # manifest path
    confirmations: int | None = None  # None: 0 on a local chain, 12 elsewhere
    poll_interval: float = 1.0  # seconds between polls when following the head
    batch_blocks: int = 2_000  # the first eth_getLogs range; it adapts
    max_batch_blocks: int = 20_000
    reorg_window: int = 128  # recent headers kept to find a fork point
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 to let a Prometheus on another host scrape it
    rpc_timeout: float = 15.0
    rpc_retries: int = 8

    def confirmations_for(self, chain_id: int) -> int:
        if self.confirmations is not None:
            return self.confirmations
        return 0 if chain_id == 31337 else 12


_KINDS = {f.name: f.type for f in fields(IndexerConfig)}


def _coerce(key: str, value: object) -> object:
    kind = _KINDS[key]
    if kind.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FlywheelError(f"config: {key} must be an integer, not {value!r}")
        if value < 0:
            raise FlywheelError(f"config: {key} must not be negative")
        return value
    if kind.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise FlywheelError(f"config: {key} must be a positive number, not {value!r}")
        return float(value)
    if not isinstance(value, str) or not value:
        raise FlywheelError(f"config: {key} must be a non-empty string")
    return value


def load(config_file: Path | None, env: dict[str, str], flags: dict[str, object]) -> IndexerConfig:
    values: dict[str, object] = {}
    if config_file is not None:
        data = userfiles.toml(config_file, "config")
        for key, value in data.items():
            if key not in _KINDS:
                raise FlywheelError(f"config: unknown key {key!r} (known: {', '.join(sorted(_KINDS))})")
            values[key] = _coerce(key, value)
        if "deployment" in values:
            # A manifest named in the file is found beside the file, wherever the daemon is started from.
            values["deployment"] = str(config_file.parent / str(values["deployment"]))
    if env.get("FLYWHEEL_RPC_URL"):
        values["rpc_url"] = env["FLYWHEEL_RPC_URL"]
    if env.get("FLYWHEEL_DATABASE_URL"):
        values["database_url"] = env["FLYWHEEL_DATABASE_URL"]
    for key, value in flags.items():
        if value is not None:
            values[key] = _coerce(key, value)
    config = dataclasses.replace(IndexerConfig(), **values)
    if config.batch_blocks < 1 or config.max_batch_blocks < config.batch_blocks:
        raise FlywheelError("config: need 1 <= batch_blocks <= max_batch_blocks")
    if config.reorg_window < 1:
        raise FlywheelError("config: reorg_window must be at least 1")
    if config.metrics_port is not None and not 1 <= config.metrics_port <= 65535:
        raise FlywheelError("config: metrics_port must be between 1 and 65535")
    return config
