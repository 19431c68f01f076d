"""`flywheel deploy`: deploy the contracts and write the manifest, or finish a deployment that stopped.

The checks, their order and the journal that lets a stopped deployment finish are
`indexer.app.deploy`'s; this command reads the options and prints the result.
"""

from __future__ import annotations

from pathlib import Path

import typer

from indexer.app.deploy import deploy as run_deploy
from indexer.chain.accounts import SignerChoice
from indexer.cli.common import DevAccountOption, KeystoreOption, RpcOption
from indexer.cli.output import console, info
from indexer.cli.views import summary


def deploy(
    rpc_url: str = RpcOption,
    params_file: Path = typer.Option(None, "--params", help="TOML file of parameters overriding the defaults."),
    out: Path = typer.Option(..., "--out", help="Where to write the deployment manifest (JSON)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file (and an unfinished deployment's journal)."),
    resume: Path = typer.Option(None, "--resume", help="Finish the deployment this journal describes, reusing its contracts."),
    dev_account: int = DevAccountOption,
    keystore: Path = KeystoreOption,
) -> None:
    """Deploy the Flywheel contracts, wire their roles, and write the manifest."""
    m = run_deploy(rpc_url, params_file, out, force, resume=resume, choice=SignerChoice(dev_account, keystore), log=info)
    console.print(summary(m))
    console.print(f"manifest written to {out}")
