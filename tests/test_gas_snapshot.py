"""The gas snapshot: the comparison rule, and `flywheel gas --check` against the committed snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.bench import gas
from indexer.errors import FlywheelError

FLYWHEEL = str(Path(sys.executable).parent / "flywheel")


def flagged(before: int, after: int) -> bool:
    return bool(gas.regressions(gas.compare({"claim": before}, {"claim": after})))


def test_growth_over_two_percent_is_flagged_and_under_is_not() -> None:
    assert flagged(100_000, 102_100)  # +2.1%
    assert not flagged(100_000, 101_900)  # +1.9%
    assert not flagged(100_000, 102_000)  # exactly the tolerance
    assert flagged(100_000, 102_001)
    assert not flagged(100_000, 60_000)  # savings never fail the check
    assert not flagged(100_000, 100_000)


def test_figures_missing_from_either_side_are_flagged() -> None:
    changes = gas.compare({"pay": 60_000, "old": 1}, {"pay": 60_000, "new": 2})
    assert {c.key for c in gas.regressions(changes)} == {"old", "new"}
    assert next(c for c in changes if c.key == "pay").percent == 0


def test_snapshot_round_trips_and_bad_files_are_one_clear_error(tmp_path: Path) -> None:
    m = gas.Measurement(gas={"pay": 64_098}, hardfork="prague")
    path = tmp_path / "snap.json"
    gas.save_snapshot(m, path)
    assert gas.load_snapshot(path) == m
    path.write_text(json.dumps({"gas": {"pay": "64098"}}))
    with pytest.raises(FlywheelError, match="integer figures"):
        gas.load_snapshot(path)
    with pytest.raises(FlywheelError, match="no gas snapshot"):
        gas.load_snapshot(tmp_path / "missing.json")


def test_committed_snapshot_names_every_figure() -> None:
    assert list(gas.load_snapshot(gas.SNAPSHOT_PATH).gas) == list(gas.FIGURES)


@pytest.mark.slow
@pytest.mark.chain
def test_gas_check_passes_against_the_committed_snapshot() -> None:
    """Measures on a private anvil; fails when any figure grew more than 2%, with the diff."""
    before = gas.SNAPSHOT_PATH.read_bytes()
    result = subprocess.run([FLYWHEEL, "gas", "--check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gas check passed" in result.stdout
    for label in gas.FIGURES.values():
        assert label in result.stdout
    assert gas.SNAPSHOT_PATH.read_bytes() == before, "--check must not rewrite the snapshot"
