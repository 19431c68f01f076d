"""Replace a file's content in one step: a reader, or a crash, finds the old file or the new one, never part of either.

Every file the commands write (manifests, the deploy journal, settlement trees and proofs, report outputs, the
build cache, the gas snapshot) goes through `write`.
"""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path

from indexer.errors import FlywheelError


def write(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to a temporary file beside `path`, flush it to disk, then rename it over
    `path`, making missing folders first. The temporary name is unique to this call, so two writers of one
    path never share it, and any failure removes it and leaves `path` as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse a file that is already there; 0o666 less the umask, like any new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def cannot_write(path: Path, exc: OSError, what: str = "") -> FlywheelError:
    """The one line for a failed `write` of `path` (`what` names the file: "the deploy journal ")."""
    # mkdir's "File exists" means a file stands where a folder of the path should be.
    reason = f"{path.parent} is not a folder" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
    return FlywheelError(f"cannot write {what}{path}: {reason}")
