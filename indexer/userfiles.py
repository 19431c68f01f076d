"""Read the files users hand to commands, with one clear line for every way that goes wrong.

A user's file can be missing, a folder, unreadable, not UTF-8, or malformed;
each is one line that names the file and what it was meant to be (`what`),
never a traceback. Every command reads its inputs through here.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from indexer.errors import FlywheelError

BOM = "\ufeff"  # Excel's "CSV UTF-8" and some editors start files with one


def text(path: Path, what: str) -> str:
    """The file's text, UTF-8, without a leading byte-order mark."""
    try:
        return path.read_text(encoding="utf-8").removeprefix(BOM)
    except FileNotFoundError:
        raise FlywheelError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise FlywheelError(f"{what} {path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise FlywheelError(f"{what} {path} is not UTF-8 text") from None
    except OSError as exc:
        raise FlywheelError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None


def toml(path: Path, what: str) -> dict:
    try:
        return tomllib.loads(text(path, f"{what} file"))
    except tomllib.TOMLDecodeError as exc:
        raise FlywheelError(f"{what} file {path} is not valid TOML: {exc}") from None


def json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(text(path, what))
    except json.JSONDecodeError as exc:
        raise FlywheelError(f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
