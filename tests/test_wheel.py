"""The package installs anywhere: a wheel built from this checkout, installed into a fresh virtualenv outside
it, compiles the contracts it carries, deploys, settles an epoch, indexes into SQLite and reports, run from a
folder that is not the checkout. And outside a checkout, anvil and the gas snapshot are looked for only where
the user says."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.chain import anvil
from indexer.bench import gas as gauge
from indexer.chain.accounts import dev_account
from indexer.cli.main import run as run_cli
from indexer.errors import FlywheelError
from indexer.paths import REPO_ROOT
from tests.conftest import free_port

# What building the package reads. They are copied out first: setuptools builds in the source folder
# (build/, *.egg-info), which must not happen in a working tree others use, nor pick up a stale build/.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "contracts", "indexer")


# --- outside a checkout, without building anything ---------------------------------------------------------


def test_anvil_not_found_names_all_three_places(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLYWHEEL_ANVIL", raising=False)
    monkeypatch.setattr(anvil, "NODE_MODULES", None)  # as when installed
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FlywheelError) as caught:
        anvil.anvil_binary()
    message = str(caught.value)
    assert "\n" not in message
    for place in ("FLYWHEEL_ANVIL", "node_modules", "PATH"):
        assert place in message, message


def test_anvil_from_path_outside_a_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLYWHEEL_ANVIL", raising=False)
    monkeypatch.setattr(anvil, "NODE_MODULES", None)
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert anvil.anvil_binary() == fake


def test_flywheel_anvil_that_is_no_file_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLYWHEEL_ANVIL", str(tmp_path / "missing"))
    with pytest.raises(FlywheelError, match="FLYWHEEL_ANVIL=.* is not a file"):
        anvil.anvil_binary()


def test_gas_needs_a_snapshot_option_outside_a_checkout(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(gauge, "SNAPSHOT_PATH", None)  # as when installed
    monkeypatch.setattr(gauge, "measure", lambda *a, **k: pytest.fail("measured without a snapshot path"))
    assert run_cli(["gas"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --snapshot FILE is required"), lines


# --- the built wheel, installed into a fresh virtualenv ----------------------------------------------------


@dataclass
class Installed:
    wheel: Path
    python: Path
    flywheel: Path
    site: Path  # the virtualenv's site-packages, where the wheel went


def _check(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(origin, src / name)
    # No download: the build backend and the dependencies are the ones this interpreter already has.
    quiet = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONWARNINGS": "ignore"}
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
            "-w", str(base / "dist"), str(src)], env=quiet)
    (wheel,) = (base / "dist").glob("flywheel-*.whl")

    venv = base / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_check([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # The dependencies come from this interpreter's site-packages, added as a plain path line: the folder joins
    # sys.path after the virtualenv's own, but its .pth files (this checkout's editable install among them) are
    # not run, so `indexer` can only come from the wheel.
    (site / "flywheel-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _check([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
           env=quiet)
    return Installed(wheel=wheel, python=python, flywheel=venv / "bin" / "flywheel", site=site)


def test_the_wheel_carries_every_contract_source_and_the_migrations(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for source in (REPO_ROOT / "contracts").iterdir():
        assert f"indexer/contracts/{source.name}" in names, source.name
    migrations = REPO_ROOT / "indexer" / "db" / "migrations"
    for path in migrations.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"indexer/db/migrations/{path.relative_to(migrations).as_posix()}" in names, path.name
    assert "indexer/db/migrations/script.py.mako" in names and "indexer/db/migrations/env.py" in names


@pytest.mark.chain
def test_installed_package_compiles_deploys_indexes_and_reports_outside_the_checkout(
        installed: Installed, tmp_path: Path) -> None:
    work = tmp_path / "work"  # the folder the user runs in: not the checkout
    work.mkdir()
    home = tmp_path / "flywheel-home"  # fresh, so the build cache is cold and the contracts really compile
    env = {
        "PATH": os.pathsep.join([str(installed.flywheel.parent), "/usr/bin", "/bin"]),
        "HOME": str(tmp_path / "user"),
        "FLYWHEEL_HOME": str(home),
        "FLYWHEEL_ANVIL": str(anvil.anvil_binary()),  # the checkout's pinned anvil
        **({"TMPDIR": os.environ["TMPDIR"]} if "TMPDIR" in os.environ else {}),
    }  # and no PYTHONPATH, virtualenv or FLYWHEEL_* settings of the caller

    def flywheel(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(installed.flywheel), *args], cwd=work, env=env, capture_output=True, text=True,
                                timeout=300)
        if ok:
            assert result.returncode == 0, f"flywheel {' '.join(args)}: {result.stdout}{result.stderr}"
        return result

    # The installed run sees the installed package and its own contracts, and nothing of the checkout.
    probe = subprocess.run(
        [str(installed.python), "-c",
         "import json, sys, indexer, indexer.paths as p; print(json.dumps({'package': indexer.__file__, "
         "'contracts': str(p.CONTRACTS_DIR), 'root': p.REPO_ROOT and str(p.REPO_ROOT), 'path': sys.path}))"],
        cwd=work, env=env, capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(probe.stdout)
    assert Path(seen["package"]).parent == installed.site / "indexer"
    assert Path(seen["contracts"]) == installed.site / "indexer" / "contracts"
    assert seen["root"] is None
    assert not any((work / entry).resolve() in (REPO_ROOT, REPO_ROOT / "indexer") for entry in seen["path"])
    assert sorted(p.name for p in Path(seen["contracts"]).iterdir()) == sorted(p.name for p in (REPO_ROOT / "contracts").iterdir())

    # Outside a checkout the gas snapshot has no default: one line, nothing written into site-packages.
    refused = flywheel("gas", ok=False)
    assert refused.returncode == 2 and refused.stderr.strip().startswith("error: --snapshot FILE is required"), refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    port = free_port()
    flywheel("chain", "up", "--port", str(port))
    try:
        flywheel("deploy", "--out", "m.json")
        flywheel("price", "post", "--usd", "0.5", "--deployment", "m.json")
        flywheel("faucet", "--amount", "1000", "--deployment", "m.json", "--dev-account", "6")
        flywheel("pay", "--amount", "250", "--reference", "inv-1", "--deployment", "m.json", "--dev-account", "6")
        flywheel("chain", "advance", "--to-epoch-end", "--deployment", "m.json")
        (work / "work.csv").write_text(f"account,work_units\n{dev_account(4).address},100\n")
        flywheel("epoch", "close", "--epoch", "0", "--work", "work.csv", "--deployment", "m.json")
        flywheel("index", "run", "--deployment", "m.json", "--once")
        report = json.loads(flywheel("report", "real-yield", "--deployment", "m.json", "--format", "json").stdout)
    finally:
        down = flywheel("chain", "down", "--port", str(port), ok=False)
        pid_file = home / f"chain-{port}.json"
        if down.returncode != 0 and pid_file.exists():
            os.kill(json.loads(pid_file.read_text())["pid"], signal.SIGTERM)
    assert down.returncode == 0, down.stderr

    assert (work / "flywheel.db").is_file()  # the indexer's default SQLite database, in the folder it ran in
    (row,) = report["rows"]
    assert row["subsidy_tokens"] == "100000" and row["revenue_usd"] == "237.5" and row["payments"] == 1
    # Compiled in this run, from the installed sources (the cache was empty).
    assert len(list((home / "build").glob("contracts-*.json"))) == 1
    assert not any((installed.site / "indexer").rglob("gas-snapshot.json"))
