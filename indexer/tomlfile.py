"""Read a user's TOML file, with one clear line for a missing or malformed one."""

from __future__ import annotations

import tomllib
from pathlib import Path

from indexer.errors import FlywheelError


def read(path: Path, what: str) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise FlywheelError(f"{what} file not found: {path}") from None
    except UnicodeDecodeError:
        raise FlywheelError(f"{what} file {path} is not text") from None
    except tomllib.TOMLDecodeError as exc:
        raise FlywheelError(f"{what} file {path} is not valid TOML: {exc}") from None
