"""The command line's usage errors, through the wrapper the `flywheel` console script exits with.

Every bad input, the parser's own included, must end as one `error: ` line and a non-zero
exit, with nothing written. None of these needs a chain: each is refused before one would
be reached. They run in this process; the last test runs the installed console script.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reports.test_report_cli import manifest_file
from tests.reports.test_report_metrics import scenario
from tests.helpers import assert_one_line_error, cli, run

# No FLYWHEEL_DATABASE_URL from the caller's shell: the config file and the default are under test.
CLEAN_ENV = {"FLYWHEEL_DATABASE_URL": "", "FLYWHEEL_RPC_URL": ""}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder (the command's cwd) holding the inputs the cases name."""
    (tmp_path / "bad.toml").write_text("database_url = \n")
    (tmp_path / "unknown-key.toml").write_text('colour = "red"\n')
    (tmp_path / "no-manifest.toml").write_text('deployment = "gone.json"\ndatabase_url = "sqlite:///nowhere.db"\n')
    (tmp_path / "no-database.toml").write_text(f'database_url = "sqlite:///{tmp_path / "none.db"}"\n')
    (tmp_path / "w.csv").write_text("account,work_units\n")
    manifest_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def listing(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


CASES = [
    (["nope"], "no such command 'nope'"),
    (["--colour"], "no such option: --colour"),
    (["report", "nope"], "no such command 'nope'"),
    (["report", "demand", "--colour", "red"], "no such option: --colour"),
    (["report", "demand", "--formt", "csv"], "did you mean --format"),
    (["report", "demand", "--top", "0"], "'--top'"),
    (["report", "real-yield", "--interval"], "option '--interval' requires an argument"),
    (["report", "real-yield", "--interval", "nope"], "unknown interval 'nope'"),
    (["report", "real-yield", "--format", "pdf"], "unknown format 'pdf'"),
    (["report", "real-yield", "--format", "png"], "--format png needs --out FILE"),
    (["report", "real-yield", "--format", "csv", "--out", "r.json"], "--format csv disagrees with --out r.json"),
    (["report", "real-yield", "--format", "HTML", "--out", "chart.png"], "--format html disagrees with --out chart.png"),
    (["report", "real-yield", "--out", "."], "--out . is a folder"),
    (["report", "payback", "--hardware-cost", "cheap"], "--hardware-cost must be a number of USD"),
    (["report", "payback"], "missing option '--hardware-cost'"),
    (["report", "real-yield", "--config", "bad.toml"], "config file bad.toml is not valid TOML"),
    (["report", "real-yield", "--config", "missing.toml"], "config file not found: missing.toml"),
    (["report", "contributors", "--config", "unknown-key.toml"], "config: unknown key 'colour'"),
    (["report", "demand", "--config", "no-manifest.toml"], "manifest not found: gone.json"),
    (["report", "real-yield", "--deployment", "missing.json"], "manifest not found: missing.json"),
    (["report", "real-yield"], "no database at flywheel.db"),
    (["report", "real-yield", "--config", "no-database.toml", "--deployment", "m.json"], "no database at"),
    (["serve", "--database-url", "sqlite:///none.db"], "no database at none.db"),
    (["serve", "--config", "bad.toml"], "is not valid TOML"),
    (["serve", "--port", "0"], "'--port'"),
    (["deploy"], "missing option '--out'"),
    (["epoch", "close", "--epoch", "-1"], "'--epoch'"),
    (["epoch", "close", "--epoch", "x"], "'--epoch'"),
    (["demo", "--epochs", "0"], "'--epochs'"),
    (["index", "run", "--config", "bad.toml"], "is not valid TOML"),
]


@pytest.mark.parametrize(("args", "fragment"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_input_is_one_line_and_writes_nothing(folder: Path, args: list[str], fragment: str) -> None:
    before = listing(folder)
    assert_one_line_error(cli(*args, env=CLEAN_ENV), fragment)
    assert listing(folder) == before


def test_parse_errors_exit_2_and_show_no_usage_block(folder: Path) -> None:
    result = cli("report", "demand", "--top", "0", env=CLEAN_ENV)
    assert result.returncode == 2 and result.stdout == ""
    assert "Usage:" not in result.stderr and "╭" not in result.stderr


def test_help_and_version_exit_0() -> None:
    assert cli("--help").returncode == 0
    assert cli("report", "demand", "--help").returncode == 0
    bare = cli()
    assert bare.returncode == 0 and "Usage" in bare.stdout
    version = cli("--version")
    assert version.returncode == 0 and version.stderr == ""
    name, number = version.stdout.split()
    assert name == "flywheel" and number[0].isdigit()


def data(url: str, folder: Path) -> Path:
    scenario(url).dispose()
    return folder / "m.json"


def test_choices_are_case_insensitive(folder: Path) -> None:
    manifest = data(f"sqlite:///{folder / 'f.db'}", folder)
    result = cli("report", "real-yield", "--database-url", "sqlite:///f.db", "--deployment", str(manifest),
                 "--interval", "Day", "--format", "JSON", env=CLEAN_ENV)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["interval"] == "day"


@pytest.mark.parametrize(("name", "starts"), [("r.csv", "epoch_start,"), ("r.json", "{"), ("r.JSON", "{"), ("r.txt", "")])
def test_format_follows_the_out_extension(folder: Path, name: str, starts: str) -> None:
    manifest = data(f"sqlite:///{folder / 'f.db'}", folder)
    result = cli("report", "real-yield", "--database-url", "sqlite:///f.db", "--deployment", str(manifest),
                 "--out", name, env=CLEAN_ENV)
    assert result.returncode == 0, result.stderr
    text = (folder / name).read_text()
    assert text.startswith(starts)
    if name == "r.txt":
        assert "subsidy" in text and not text.startswith(("{", "epoch_start,"))


def test_png_and_html_follow_the_out_extension(folder: Path) -> None:
    manifest = data(f"sqlite:///{folder / 'f.db'}", folder)
    for name in ("chart.png", "page.html"):
        result = cli("report", "real-yield", "--database-url", "sqlite:///f.db", "--deployment", str(manifest),
                     "--format", name.rsplit(".")[1].upper(), "--out", name, env=CLEAN_ENV)
        assert result.returncode == 0, result.stderr
    assert (folder / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert "<html" in (folder / "page.html").read_text().lower()


def test_an_out_that_cannot_be_written_is_one_line_and_leaves_nothing(folder: Path) -> None:
    manifest = data(f"sqlite:///{folder / 'f.db'}", folder)
    before = listing(folder)
    for name in ("w.csv/r.csv", "w.csv/r.png"):
        result = cli("report", "real-yield", "--database-url", "sqlite:///f.db", "--deployment", str(manifest),
                     "--out", name, env=CLEAN_ENV)
        assert_one_line_error(result, f"cannot write {name}: w.csv is not a folder")
    assert listing(folder) == before


def test_report_reads_the_indexer_config(folder: Path) -> None:
    """The config file's database_url and deployment (beside the file) serve, and --database-url wins."""
    data(f"sqlite:///{folder / 'f.db'}", folder)
    sub = folder / "conf"
    sub.mkdir()
    (sub / "m.json").write_text((folder / "m.json").read_text())
    (sub / "indexer.toml").write_text(f'database_url = "sqlite:///{folder / "f.db"}"\ndeployment = "m.json"\n')
    expected = cli("report", "real-yield", "--database-url", "sqlite:///f.db", "--deployment", "m.json", "--format", "json",
                   env=CLEAN_ENV)
    assert expected.returncode == 0, expected.stderr
    from_config = cli("report", "real-yield", "--config", str(sub / "indexer.toml"), "--format", "json", env=CLEAN_ENV)
    assert from_config.returncode == 0, from_config.stderr
    assert json.loads(from_config.stdout) == json.loads(expected.stdout)
    env_wins = cli("report", "real-yield", "--config", str(sub / "indexer.toml"), env={"FLYWHEEL_DATABASE_URL": "sqlite:///none.db"})
    assert_one_line_error(env_wins, "no database at none.db")
    flag_wins = cli("report", "real-yield", "--config", str(sub / "indexer.toml"), "--database-url", "sqlite:///none.db",
                    env=CLEAN_ENV)
    assert_one_line_error(flag_wins, "no database at none.db")


@pytest.mark.cli
def test_the_installed_console_script_exits_as_the_wrapper_returns(folder: Path) -> None:
    """The console script end to end (one process start: the rest of this file runs the same wrapper in process)."""
    before = listing(folder)
    parse_error = run("report", "demand", "--top", "0", env=CLEAN_ENV)
    assert parse_error.returncode == 2 and parse_error.stdout == ""
    assert_one_line_error(parse_error, "'--top'")
    assert listing(folder) == before
