"""What the commands share: their options, choosing the node, and the signer.

Every command that sends a transaction says first where it sends it (the
chain id and the URL, redacted) on standard error, so a person can stop a
command pointed at the wrong chain, and a log shows which chain was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from indexer.app.connect import chain_line, reach
from indexer.chain import accounts
from indexer.chain.accounts import SignerChoice
from indexer.chain.contracts import Deployment
from indexer.chain.system import SOURCE, role_id
from indexer.chain.units import NETWORK_TOKEN_DECIMALS, Unit
from indexer.chain.wallet import Sender
from indexer.cli.output import info
from indexer.errors import FlywheelError

RpcOption = typer.Option(None, "--rpc-url", envvar="FLYWHEEL_RPC_URL",
                         help="JSON-RPC URL; default: the one chain `flywheel chain up` started on the manifest's chain.")
DeploymentOption = typer.Option(..., "--deployment", help="The deployment manifest (JSON) written by `flywheel deploy`.")
DevAccountOption = typer.Option(None, "--dev-account", min=0, help="Sign with anvil's dev account N (chain 31337 only).")
KeystoreOption = typer.Option(None, "--keystore",
                              help="Sign with this encrypted JSON keystore; password from FLYWHEEL_KEYSTORE_PASSWORD or a prompt.")
# Where an indexed database is, for the commands that read one (`report`, `serve`).
DatabaseOption = typer.Option(None, "--database-url", help="SQLAlchemy URL of the indexed database (or FLYWHEEL_DATABASE_URL, "
                              "or database_url in --config); default sqlite:///flywheel.db.")
SchemaOption = typer.Option(None, "--schema", help="PostgreSQL only: the schema holding Flywheel's tables, so Flywheel "
                            "can share a database (or FLYWHEEL_DB_SCHEMA, or schema in --config); `index run` and "
                            "`db upgrade` create it if absent. Default: the database's search_path (public).")
ConfigOption = typer.Option(None, "--config", help="The indexer's TOML settings file (its database_url and deployment).")


def announce(url: str, chain_id: int) -> None:
    info(chain_line(url, chain_id))


def usd(d: Deployment) -> Unit:
    """The deployment's payment token, as people read it."""
    return Unit("USD", d.manifest.payment_decimals)


def token(d: Deployment) -> Unit:
    """The deployment's network token, named by its symbol on chain."""
    return Unit(d.network_token.functions.symbol().call(), NETWORK_TOKEN_DECIMALS)


def require_role(d: Deployment, contract_key: str, role: str, who: str, action: str) -> None:
    """Refuse, naming the role and the contract, what the contract would refuse from `who`."""
    contract = getattr(d, contract_key)
    if not contract.functions.hasRole(role_id(role), who).call():
        raise FlywheelError(f"{action} needs the {role} role on {SOURCE[contract_key]} ({contract.address}); "
                            f"the signer {who} lacks it")


@dataclass
class Session:
    d: Deployment
    url: str
    choice: SignerChoice

    def sender(self) -> Sender:
        """The signer on this deployment's chain; it says which chain that is before its first transaction,
        so a command refused by its checks still says nothing but its one line."""
        chain_id = self.d.manifest.chain_id
        account = accounts.signer(chain_id, self.choice)
        return Sender(self.d.rpc, account, chain_id, before_first=lambda: announce(self.url, chain_id))


def open_session(rpc_url: str | None, deployment: Path, dev_account: int | None = None, keystore: Path | None = None) -> Session:
    """The deployment on its node: the manifest read, the chain id and the contracts' code checked."""
    url, d = reach(rpc_url, deployment)
    return Session(d, url, SignerChoice(dev_account, keystore))
