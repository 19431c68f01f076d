"""`flywheel demo` writes only into a folder of its own, and refuses any other before it starts a chain."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from indexer.chain import anvil
from indexer.app.demo import MARKER, check_folder, claim_folder
from indexer.errors import FlywheelError
from tests.helpers import assert_one_line_error, cli, free_port


def test_a_new_folder_is_created_and_marked(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "demo"
    claim_folder(folder)
    assert (folder / MARKER).is_file()
    claim_folder(folder)  # its own folder, on a second run


def test_an_empty_folder_is_adopted(tmp_path: Path) -> None:
    claim_folder(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MARKER]


def test_a_marked_folder_with_earlier_files_is_accepted(tmp_path: Path) -> None:
    (tmp_path / MARKER).write_text("")
    (tmp_path / "flywheel.db").write_text("an earlier demo's")
    check_folder(tmp_path)


@pytest.mark.parametrize("content", ["flywheel.db", ".hidden", "sub/"])
def test_a_folder_with_anything_else_is_refused(tmp_path: Path, content: str) -> None:
    target = tmp_path / content.rstrip("/")
    target.mkdir() if content.endswith("/") else target.write_text("mine")
    with pytest.raises(FlywheelError, match=f"--out-dir {tmp_path} is not empty and has no {MARKER} marker file"):
        claim_folder(tmp_path)
    assert not (tmp_path / MARKER).exists()


def test_a_marker_that_is_a_folder_does_not_count(tmp_path: Path) -> None:
    (tmp_path / MARKER).mkdir()
    with pytest.raises(FlywheelError, match="not empty"):
        check_folder(tmp_path)


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(FlywheelError, match="is a file, not a folder"):
        claim_folder(tmp_path / "f")


def test_demo_refuses_a_project_folder_before_starting_a_chain(tmp_path: Path) -> None:
    """`demo --out-dir .` in a folder with its own database used to delete it."""
    database = tmp_path / "flywheel.db"
    database.write_text("precious")
    port = free_port()
    result = cli("demo", "--out-dir", str(tmp_path), "--port", str(port))
    assert_one_line_error(result, f"--out-dir {tmp_path} is not empty and has no {MARKER} marker file")
    assert database.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flywheel.db"]
    assert anvil.recorded(port) is None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "a chain was started"
