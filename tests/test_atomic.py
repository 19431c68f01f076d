"""Atomic file writes, the first line of an error, and a database URL without its password."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from indexer import atomic
from indexer.db import engine
from indexer.errors import FlywheelError, first_line


def test_write_creates_folders_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "out.json"
    atomic.write(path, "één\n")
    assert path.read_bytes() == "één\n".encode()
    atomic.write(path, b"\x89PNG")
    assert path.read_bytes() == b"\x89PNG"
    assert os.listdir(path.parent) == ["out.json"]


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic.write(tmp_path / "f", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    path = tmp_path / "m.json"
    path.write_text("old")

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, failing, broken)
    with pytest.raises(OSError, match="No space left"):
        atomic.write(path, "new")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["m.json"]


def test_an_interrupted_write_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    with pytest.raises(TypeError):
        atomic.write(path, 5)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_writers_of_one_path_never_share_a_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = os.replace

    def record(src: str, dst: str) -> None:
        seen.append(str(src))
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", record)
    threads = [threading.Thread(target=atomic.write, args=(tmp_path / "same", str(i))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 8
    assert os.listdir(tmp_path) == ["same"] and (tmp_path / "same").read_text() in {str(i) for i in range(8)}


def test_cannot_write_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "sub" / "r.csv"
    with pytest.raises(OSError) as caught:
        atomic.write(path, "x")
    error = atomic.cannot_write(path, caught.value, "the report ")
    assert isinstance(error, FlywheelError) and str(error).startswith(f"cannot write the report {path}: ")
    assert "\n" not in str(error)


def test_first_line() -> None:
    assert first_line("connection refused\n\tIs the server running?\n", "x") == "connection refused"
    assert first_line(ValueError("  \n"), "ValueError") == "ValueError"
    assert first_line(None, "connection failed") == "connection failed"
    error = OperationalError("SELECT 1", {}, Exception('FATAL:  password authentication failed for user "f"\nmore'))
    assert engine.reason(error) == 'FATAL:  password authentication failed for user "f"'


def test_database_urls_hide_their_password() -> None:
    url = "postgresql+psycopg://flywheel:topsecret@db.example:5432/flywheel"
    assert engine.safe(url) == "postgresql+psycopg://flywheel:***@db.example:5432/flywheel"
    assert engine.safe(make_url(url)) == engine.safe(url)
    assert engine.safe("not a url") == "<invalid database URL>"
