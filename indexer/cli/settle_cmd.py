"""`flywheel epoch close` and `flywheel claim`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from indexer.chain import accounts, anvil
from indexer.chain.contracts import open_deployment
from indexer.chain.wallet import InstantSubmitter, Wallet
from indexer.cli.output import console, info
from indexer.errors import FlywheelError
from indexer.settle import claim as claiming, workfile
from indexer.settle.close import close_epoch, read_state
from indexer.settle.store import SettlementStore, default_dir

epoch_app = typer.Typer(help="Settle epochs.", no_args_is_help=True)

RpcOption = typer.Option(None, "--rpc-url", envvar="FLYWHEEL_RPC_URL", help="JSON-RPC URL; default: the chain `flywheel chain up` started.")
DeploymentOption = typer.Option(..., "--deployment", help="The deployment manifest (JSON) written by `flywheel deploy`.")
StoreOption = typer.Option(None, "--store", help="Settlement store directory; default: MANIFEST.settlement beside the manifest.")


def _session(rpc_url: str | None, deployment: Path):
    url = rpc_url or anvil.default_rpc_url()
    d = open_deployment(url, deployment)
    account = accounts.signer(d.manifest.chain_id)
    return d, d.rpc, Wallet(account, d.rpc.nonce(account.address))


@epoch_app.command("close")
def close(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    epoch: int = typer.Option(..., "--epoch", min=0, help="The epoch to close (the next one not yet finalized)."),
    work: Path = typer.Option(..., "--work", help="CSV with the header account,work_units."),
    tree_out: Path = typer.Option(None, "--tree-out", help="Also write the tree's standard-v1 dump here."),
    store_dir: Path = StoreOption,
    previous_tree: Path = typer.Option(None, "--previous-tree", help="The previous epoch's tree dump, to rebuild a lost store."),
) -> None:
    """Allocate the epoch's emission and revenue pool to work, post the root, write tree and proofs."""
    work_units = workfile.load(work)
    d, rpc, wallet = _session(rpc_url, deployment)
    store = SettlementStore(store_dir or default_dir(deployment))
    state = read_state(d)
    if previous_tree is not None:
        if epoch == 0 or state.next_epoch != epoch:
            raise FlywheelError("--previous-tree only applies when closing the next epoch after the first")
        store.adopt(epoch - 1, previous_tree, state.latest_root)
    now = d.w3.eth.get_block("latest")["timestamp"]
    plan = close_epoch(d, InstantSubmitter(rpc, d.manifest.chain_id), wallet, store, epoch, work_units, now, tree_out, state)
    table = Table(title=f"epoch {epoch} closed")
    table.add_column("item")
    table.add_column("value", justify="right", overflow="fold")
    table.add_row("root", "0x" + plan.tree.root.hex())
    table.add_row("subsidy (network-token units)", str(plan.subsidy))
    table.add_row("revenue (payment-token units)", str(plan.revenue))
    table.add_row("contributors", str(plan.contributors))
    table.add_row("work units", str(plan.work_units))
    table.add_row("accounts in tree", str(len(plan.tree.entitlements)))
    console.print(table)
    console.print(f"tree: {store.tree_path(epoch)}\nproofs: {store.proofs_path(epoch)}")


def claim(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    account: str = typer.Option(None, "--account", help="Claim for this account."),
    all_accounts: bool = typer.Option(False, "--all", help="Claim for every account with something to claim."),
    store_dir: Path = StoreOption,
) -> None:
    """Submit claims with proofs; the sender pays the gas, each account receives its own rewards."""
    if (account is None) == (not all_accounts):
        raise FlywheelError("give exactly one of --account ADDR or --all")
    d, rpc, wallet = _session(rpc_url, deployment)
    store = SettlementStore(store_dir or default_dir(deployment))
    tree = claiming.claimable_tree(d, store)
    items = claiming.owed(d, tree, None if all_accounts else [account])
    if not items:
        console.print("nothing to claim")
        return
    claiming.submit_claims(d, InstantSubmitter(rpc, d.manifest.chain_id), wallet, items)
    subsidy = sum(o.subsidy for o in items)
    revenue = sum(o.revenue for o in items)
    info(f"claimed for {len(items)} account(s)")
    console.print(f"paid {subsidy} network-token units and {revenue} payment-token units to {len(items)} account(s)")
