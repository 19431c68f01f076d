"""`flywheel epoch close` and `flywheel claim`.

Both check everything they can before they sign, so a refusal leaves the
chain (the signer's nonce included) and the settlement store as they were:
`epoch close` reads and checks the whole work file before it even connects
(the deployment's own contracts are refused as contributors, since rewards
sent there are lost), then the chain's state, then asks the node whether
`finalize` would go through from the signer. `claim` asks the node about
every claim first and pays every good one even when others are refused;
it fails (non-zero, one `error:` line) only after that, naming the refused.

Amounts are shown in human units with their names (the network token's
symbol, 18 decimals; USD at the manifest's `payment_decimals`), converted
exactly from base units.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from indexer.chain import manifest as manifests
from indexer.chain.contracts import Deployment
from indexer.chain.system import SOURCE
from indexer.chain.manifest import Manifest
from indexer.cli.common import DeploymentOption, DevAccountOption, KeystoreOption, RpcOption, open_session, require_role, token, usd
from indexer.cli.output import console
from indexer.errors import FlywheelError
from indexer.settle import claim as claiming, workfile
from indexer.settle.close import EpochPlan, check_finalize, post, preflight, prepare, read_state
from indexer.settle.store import SettlementStore, default_dir

epoch_app = typer.Typer(help="Settle epochs.", no_args_is_help=True)

StoreOption = typer.Option(None, "--store", help="Settlement store directory; default: MANIFEST.settlement beside the manifest.")
# Refused accounts named in the error line itself; the full list is printed above it.
NAMED_IN_ERROR = 3


def contract_names(m: Manifest) -> dict[str, str]:
    """The deployment's contracts by address, as the work file's refusals name them."""
    def name(key: str) -> str:
        # A real stablecoin is not our MockUSD source; call it by its role.
        return "payment token" if key == "payment_token" and not m.payment_token_is_mock else SOURCE[key]
    return {address: name(key) for key, address in m.contracts.items()}


def plan_table(plan: EpochPlan, d: Deployment) -> Table:
    table = Table(title=f"epoch {plan.epoch} closed")
    table.add_column("item")
    table.add_column("value", justify="right", overflow="fold")
    table.add_row("subsidy", token(d).show(plan.subsidy))
    table.add_row("revenue", usd(d).show(plan.revenue))
    table.add_row("contributors", f"{plan.contributors:,}")
    table.add_row("work units", f"{plan.work_units:,}")
    table.add_row("accounts in tree", f"{len(plan.tree.entitlements):,}")
    return table


@epoch_app.command("close")
def close(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    epoch: int = typer.Option(..., "--epoch", min=0, help="The epoch to close (the next one not yet finalized)."),
    work: Path = typer.Option(..., "--work", help="CSV with the header account,work_units."),
    tree_out: Path = typer.Option(None, "--tree-out", help="Also write the tree's standard-v1 dump here."),
    store_dir: Path = StoreOption,
    previous_tree: Path = typer.Option(None, "--previous-tree", help="The previous epoch's tree dump, to rebuild a lost store."),
    dev_account: int = DevAccountOption,
    keystore: Path = KeystoreOption,
) -> None:
    """Allocate the epoch's emission and revenue pool to work, post the root, write tree and proofs."""
    work_units = workfile.load(work, contract_names(manifests.load(deployment)))
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d = session.d
    store = SettlementStore(store_dir or default_dir(deployment))
    state = read_state(d)
    now = d.rpc.timestamp()
    if previous_tree is not None:
        if epoch == 0 or state.next_epoch != epoch:
            raise FlywheelError("--previous-tree only applies when closing the next epoch after the first")
        preflight(d, state, epoch, now)  # adopting writes to the store: not for a close that will be refused
        store.adopt(epoch - 1, previous_tree, state.latest_root)
    plan = prepare(d, store, epoch, work_units, now, state)
    sender = session.sender()
    require_role(d, "reward_distributor", "reporter", sender.address, f"closing epoch {epoch}")
    check_finalize(d, sender.address, plan)
    sender.about_to_send()
    post(d, sender.submitter, sender.wallet, store, plan, now, tree_out)
    console.print(plan_table(plan, d))
    # The root on a line of its own: inside a table at 80 columns it would wrap and could not be copied whole.
    console.print(f"root: 0x{plan.tree.root.hex()}\ntree: {store.tree_path(epoch)}\nproofs: {store.proofs_path(epoch)}", markup=False)


def _account(text: str) -> str:
    """The work file's rule for an address (hex, and a right checksum if mixed-case), so both read alike."""
    return workfile.address(text, "--account")


def _accounts(n: int) -> str:
    return f"{n:,} account" + ("" if n == 1 else "s")


def _paid_line(d: Deployment, paid: list[claiming.Owed], asked: int) -> str:
    subsidy = token(d).show(sum(o.subsidy for o in paid))
    revenue = usd(d).show(sum(o.revenue for o in paid))
    of = f" of {asked:,}" if len(paid) != asked else ""
    return f"paid {len(paid):,}{of} {'account' if asked == 1 else 'accounts'}: {subsidy} and {revenue}"


def _refusal_error(refused: list[claiming.Refused], asked: int) -> FlywheelError:
    named = "; ".join(f"{r.owed.entitlement.account} ({r.reason})" for r in refused[:NAMED_IN_ERROR])
    more = f"; and {len(refused) - NAMED_IN_ERROR:,} more listed above" if len(refused) > NAMED_IN_ERROR else ""
    return FlywheelError(f"{len(refused):,} of {_accounts(asked)} could not claim: {named}{more}")


def claim(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    account: str = typer.Option(None, "--account", help="Claim for this account."),
    all_accounts: bool = typer.Option(False, "--all", help="Claim for every account with something to claim."),
    store_dir: Path = StoreOption,
    dev_account: int = DevAccountOption,
    keystore: Path = KeystoreOption,
) -> None:
    """Submit claims with proofs; the sender pays the gas, each account receives its own rewards."""
    if (account is None) == (not all_accounts):
        raise FlywheelError("give exactly one of --account ADDR or --all")
    wanted = None if all_accounts else [_account(account)]
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d = session.d
    store = SettlementStore(store_dir or default_dir(deployment))
    items = claiming.owed(d, claiming.claimable_tree(d, store), wanted)
    if not items:
        console.print("nothing to claim")
        return
    if d.reward_distributor.functions.paused().call():
        raise FlywheelError("claims are paused: a guardian paused the distributor (`flywheel unpause claims` needs the admin)")
    sender = session.sender()
    checked = claiming.check(d, items, sender.address)
    if checked.paid:
        sender.about_to_send()
    sent = claiming.pay(d, sender.submitter, sender.wallet, checked.paid)
    refused = checked.refused + sent.refused
    console.print(_paid_line(d, sent.paid, len(items)), markup=False)
    if refused:
        console.print(f"refused {_accounts(len(refused))}:", markup=False)
        for r in refused:
            console.print(f"  {r.owed.entitlement.account}: {r.reason}", markup=False)
        raise _refusal_error(refused, len(items))
