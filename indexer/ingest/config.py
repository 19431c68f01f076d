"""Indexer settings from flags, environment (`FLYWHEEL_RPC_URL`, `FLYWHEEL_DATABASE_URL`, `FLYWHEEL_DB_SCHEMA`) or a
TOML file.

Flags win over the environment, which wins over the file, which wins over the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from indexer import structs, userfiles
from indexer.errors import FlywheelError

Text = Annotated[str, Meta(min_length=1)]
NotNegative = Annotated[int, Meta(ge=0)]
AtLeast1 = Annotated[int, Meta(ge=1)]
Seconds = Annotated[float, Meta(gt=0)]


class IndexerConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rpc_url: Text | None = None
    database_url: Text = "sqlite:///flywheel.db"
    schema: Text | None = None  # PostgreSQL only: the schema holding Flywheel's tables, so it can share a database
    deployment: Text | None = None  # manifest path
    store: Text | None = None  # settlement store directory: the indexer then keeps the ledger tables too
    confirmations: NotNegative | None = None  # None: 0 on a local chain, 12 elsewhere
    poll_interval: Seconds = 1.0  # seconds between polls when following the head
    batch_blocks: AtLeast1 = 16  # the first eth_getLogs range; it adapts to target_logs (small: a dense chain's first range stays small)
    max_batch_blocks: AtLeast1 = 20_000  # at least batch_blocks
    target_logs: AtLeast1 = 5_000  # logs per eth_getLogs the range size aims at, from the last ranges' logs per block
    reorg_window: AtLeast1 = 128  # recent headers kept to find a fork point
    metrics_port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    metrics_host: Text = "127.0.0.1"  # 0.0.0.0 to let a Prometheus on another host scrape it
    rpc_timeout: Seconds = 15.0
    rpc_retries: NotNegative = 8

    def confirmations_for(self, chain_id: int) -> int:
        if self.confirmations is not None:
            return self.confirmations
        return 0 if chain_id == 31337 else 12


def load(config_file: Path | None, env: dict[str, str], flags: dict[str, object]) -> IndexerConfig:
    values: dict[str, object] = {}
    if config_file is not None:
        data = userfiles.toml(config_file, "config")
        in_file = structs.convert(data, IndexerConfig, "config")  # the file's own mistakes first
        values = {key: getattr(in_file, key) for key in data}
        for key in ("deployment", "store"):
            if key in values:
                # A manifest or store named in the file is found beside the file, wherever the daemon is started from.
                values[key] = str(config_file.parent / str(values[key]))
    if env.get("FLYWHEEL_RPC_URL"):
        values["rpc_url"] = env["FLYWHEEL_RPC_URL"]
    if env.get("FLYWHEEL_DATABASE_URL"):
        values["database_url"] = env["FLYWHEEL_DATABASE_URL"]
    if env.get("FLYWHEEL_DB_SCHEMA"):
        values["schema"] = env["FLYWHEEL_DB_SCHEMA"]
    values.update((key, value) for key, value in flags.items() if value is not None)
    config = structs.convert(values, IndexerConfig, "config")
    if config.max_batch_blocks < config.batch_blocks:
        raise FlywheelError("config: need 1 <= batch_blocks <= max_batch_blocks")
    return config
