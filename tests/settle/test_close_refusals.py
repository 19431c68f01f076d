"""`flywheel epoch close` refuses a bad work file or signer with one line, and leaves no trace."""

from __future__ import annotations

from pathlib import Path

from indexer.chain.accounts import dev_account
from indexer.settle.store import default_dir
from tests.conftest import Deployed
from tests.settle.chainops import Ops
from tests.settle.test_settlement_chain import A, B, close, close_directly, manifest_path, ops  # noqa: F401 (fixtures)
from tests.helpers import assert_one_line_error

UINT256_MAX = 2**256 - 1
REPORTER = dev_account(0).address


def _state(ops: Ops, manifest: Path, signer: str = REPORTER) -> tuple:
    """What a refused close must not change: the signer's nonce, the next epoch, every file of the store."""
    store = default_dir(manifest)
    files = {p.name: p.read_bytes() for p in sorted(store.iterdir())} if store.exists() else {}
    return ops.d.rpc.nonce(signer), ops.next_epoch(), files


def _rows(*rows: tuple[str, int]) -> str:
    return "account,work_units\n" + "".join(f"{a},{u}\n" for a, u in rows)


def refused_unchanged(deployed: Deployed, ops: Ops, manifest: Path, epoch: int, folder: Path, cases: dict[str, tuple[str, str]]) -> None:
    """Close `epoch` with each work file of `cases` (name -> (text, fragment of the error after the path)): each is
    refused with one line and changes nothing."""
    before = _state(ops, manifest)
    for name, (text, fragment) in cases.items():
        path = folder / name
        path.write_text(text)
        result = close(deployed, manifest, epoch, path)
        assert_one_line_error(result, f"{path} {fragment}")
        assert _state(ops, manifest) == before, name


def test_bad_work_files_are_refused_by_line_and_change_nothing(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    ops.post_price()
    ops.end_epoch(0)
    close_directly(ops, manifest_path, 0, {A: 1})
    ops.post_price()  # epoch 1 could be closed: only the work file stands in the way
    ops.end_epoch(1)
    distributor = deployed.manifest.contracts["reward_distributor"]
    zero = "0x" + "00" * 20
    cases = {
        "zero.csv": (_rows((A, 1), (zero, 2)), "line 3: the zero address cannot be rewarded"),
        "contract.csv": (_rows((distributor.lower(), 5)), f"line 2: {distributor} is the deployment's RewardDistributor contract"),
        "duplicate.csv": (_rows((A, 1), (B, 1), (A.lower(), 2)), f"line 4: {A} appears more than once"),
        "value.csv": (_rows((A, UINT256_MAX + 1)), f"line 2: work_units {UINT256_MAX + 1} is more than a uint256 holds"),
        "total.csv": (_rows((A, UINT256_MAX), (B, 1)), "line 3: the total of work_units passes 2**256-1"),
    }
    before = _state(ops, manifest_path)
    assert before[1] == 1 and before[2]  # a store with epoch 0 in it, to stay untouched
    refused_unchanged(deployed, ops, manifest_path, 1, tmp_path, cases)

    bom = tmp_path / "excel.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + _rows((A, 1), (B, 2)).replace("\n", "\r\n").encode())
    accepted = close(deployed, manifest_path, 1, bom)
    assert accepted.returncode == 0, accepted.stderr
    assert ops.next_epoch() == 2
    assert ops.d.rpc.nonce(REPORTER) == before[0] + 1


def test_a_signer_without_the_reporter_role_is_refused_before_signing(deployed: Deployed, ops: Ops, manifest_path: Path, tmp_path: Path) -> None:
    ops.post_price()
    ops.end_epoch(0)
    work = tmp_path / "w.csv"
    work.write_text(_rows((A, 1)))
    outsider = dev_account(3).address
    before = _state(ops, manifest_path, outsider)
    result = close(deployed, manifest_path, 0, work, "--dev-account", "3")
    assert_one_line_error(result, "closing epoch 0 needs the reporter role on RewardDistributor")
    assert outsider in result.stderr
    assert _state(ops, manifest_path, outsider) == before
