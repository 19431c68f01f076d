"""Deploy the contracts and write the manifest, or finish a deployment that stopped.

Every check that can fail is made before the first transaction, in the order
a user fixes things: the parameters, the place of the manifest (writable,
not there unless `force`), the node and its chain id, the signer, the
parameters that depend on the chain (genesis against its time, root_delay
off the local chain), and whether the signer can pay for the whole
deployment. Only then is the chain announced and anything sent, so a
refusal never leaves contracts behind.

A deployment keeps a journal beside the manifest (`MANIFEST.json.journal`)
while it runs; if it stops part-way the error line says what is on chain and
how to finish (`--resume JOURNAL`). The journal is removed once the manifest
is written: a journal on disk always means an unfinished deployment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from indexer.app import Log, quiet
from indexer.app.connect import chain_line, node_url
from indexer.chain import accounts, deploy as deploying, manifest as manifests, params as parameters
from indexer.chain.accounts import SignerChoice
from indexer.chain.deploy import DeployStopped, Journal, Run
from indexer.chain.manifest import Manifest
from indexer.chain.node import connect
from indexer.chain.params import Params
from indexer.errors import FlywheelError


def journal_path(out: Path) -> Path:
    return out.with_name(out.name + ".journal")


def _existing_folder(path: Path) -> Path:
    """The nearest folder above `path` that exists: where writing it will start."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_out(out: Path, force: bool) -> None:
    """Refuse an --out that cannot be written, by trying, so a read-only or virtual file system
    (where even root cannot write) is found before the first transaction rather than after the last."""
    if out.is_dir():
        raise FlywheelError(f"--out {out} is a folder: give the manifest's file name")
    if out.exists() and not force:
        raise FlywheelError(f"{out} already exists: pass --force to overwrite it")
    folder = _existing_folder(out)
    if not folder.is_dir():
        raise FlywheelError(f"cannot write --out {out}: {folder} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{out.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise FlywheelError(f"cannot write --out {out}: {folder} is not writable ({exc.strerror or exc})") from None


def _listing(journal: Journal) -> str:
    contracts = ", ".join(f"{name} {address}" for name, address in journal.contracts())
    return f"deployed so far: {contracts}" if contracts else "no contract was deployed"


def _stopped(exc: DeployStopped, path: Path, out: Path) -> FlywheelError:
    """One line with everything needed to finish: the cause, what is on chain, the journal, the command."""
    return FlywheelError(f"{exc}; {_listing(exc.journal)}; journal: {path}; "
                         f"to finish: flywheel deploy --resume {path} --out {out}")


def _prepare(url: str, params: Params | None, journal: Journal | None, choice: SignerChoice, path: Path) -> Run:
    """The deployment to run, every check made and nothing sent."""
    w3, chain_id = connect(url, expect_chain_id=journal.chain_id if journal else None)
    account = accounts.signer(chain_id, choice)
    if journal is not None:
        return deploying.resume(w3, chain_id, journal, account)
    return deploying.start(w3, chain_id, params or Params(), account, journal_path=path)


def deploy(rpc_url: str | None, params_file: Path | None, out: Path, force: bool, *,
           resume: Path | None = None, choice: SignerChoice = SignerChoice(), log: Log = quiet) -> Manifest:
    """Deploy (or with `resume`, finish deploying) and write the manifest to `out`; `log` hears each step."""
    if resume is not None and params_file is not None:
        raise FlywheelError("--params cannot be used with --resume: the journal holds the deployment's parameters")
    journal = deploying.load_journal(resume) if resume else None
    params = None if resume else parameters.load(params_file)
    check_out(out, force)
    path = resume or journal_path(out)
    stale = resume is None and path.exists()
    if stale and not force:
        raise FlywheelError(f"{path} is the journal of an unfinished deployment: finish it with "
                            f"`flywheel deploy --resume {path} --out {out}`, or pass --force to start a new one")
    url = node_url(rpc_url, journal.chain_id if journal else None)
    run = _prepare(url, params, journal, choice, path)
    cost = run.require_funds()
    log(chain_line(url, run.journal.chain_id))
    if stale:
        log(f"deploy: replacing {path}, the journal of an unfinished deployment")
    elif journal is not None:
        log(f"deploy: resuming {path}: {_listing(journal)}")
        for note in run.notes:
            log(f"deploy: {note}")
    log(f"deploy: {cost.line()}")
    try:
        m = run.execute(progress=lambda step: log(f"deploy: {step}"))
    except DeployStopped as exc:
        raise _stopped(exc, path, out) from None
    try:
        manifests.save(m, out, force=force)
    except OSError as exc:
        raise FlywheelError(f"every contract is deployed, but the manifest could not be written to {out} "
                            f"({exc.strerror or exc}); the journal {path} has everything: "
                            f"flywheel deploy --resume {path} --out OTHER.json") from None
    run.journal.remove()
    return m
