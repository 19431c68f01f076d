"""`flywheel epoch close` and `flywheel claim`.

Both check everything they can before they sign, so a refusal leaves the
chain (the signer's nonce included) and the settlement store as they were:
`epoch close` checks the range its arguments name, then reads and checks the
whole work file before it even connects (the deployment's own contracts are
refused as contributors, since rewards sent there are lost), then a node-level
file's nodes against the NodeRegistry, then the chain's state, then asks the
node whether `finalize` (or `finalize_range`, for `--through`) would go
through from the signer. `claim` asks the node
about every claim first and pays every good one even when others are
refused; it fails (non-zero, one `error:` line) only after that, naming the
refused. An account someone else claimed for first is no failure: it is
listed as already claimed.

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
from indexer.chain.units import PRICE, Unit
from indexer.cli.common import DeploymentOption, DevAccountOption, KeystoreOption, RpcOption, open_session, require_role, token, usd
from indexer.app import verify as checking
from indexer.app.connect import reach
from indexer.cli.output import console, err_console, is_terminal
from indexer.errors import FlywheelError
from indexer.settle import claim as claiming, nodes, workfile
from indexer.settle.close import EpochPlan, check_finalize, check_range, post, preflight, prepare, read_state
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


def plan_tables(plan: EpochPlan, fly: Unit, dollars: Unit) -> list[Table]:
    """The close's totals; for a range, each epoch's own first, as each was allocated and logged on its own."""
    tables = []
    if plan.first != plan.last:
        # Units in the headers, not on every row: four columns of named amounts would not fit 80 columns.
        epochs = Table(title=f"{plan.describe()}, each allocated on its own", show_footer=True)
        epochs.add_column("epoch", "all", justify="right")
        epochs.add_column(f"subsidy, {fly.name}", fly.plain(plan.subsidy, ","), justify="right", overflow="fold")
        epochs.add_column(f"revenue, {dollars.name}", dollars.plain(plan.revenue, ","), justify="right", overflow="fold")
        epochs.add_column(f"{PRICE.name} per {fly.name}", justify="right", overflow="fold")
        for e in plan.epochs:
            epochs.add_row(str(e.epoch), fly.plain(e.subsidy, ","), dollars.plain(e.revenue, ","), PRICE.plain(e.price, ","))
        tables.append(epochs)
    totals = Table(title=f"{plan.describe()} closed")
    totals.add_column("item")
    totals.add_column("value", justify="right", overflow="fold")
    totals.add_row("subsidy", fly.show(plan.subsidy))
    totals.add_row("revenue", dollars.show(plan.revenue))
    totals.add_row("contributors", f"{plan.contributors:,}")
    totals.add_row("work units", f"{plan.work_units:,}")
    totals.add_row("accounts in tree", f"{len(plan.tree.entitlements):,}")
    tables.append(totals)
    return tables


@epoch_app.command("close")
def close(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    epoch: int = typer.Option(..., "--epoch", min=0, help="The epoch to close (the next one not yet finalized)."),
    through: int = typer.Option(None, "--through", min=0, help="Close every epoch from --epoch to this one, each "
                                "allocated on its own, with one root (a backlog after an outage; up to 64 epochs)."),
    work: Path = typer.Option(..., "--work", help="CSV with the header account,work_units; or, a row per node, "
                              "account,work_units,node_id or node_id,work_units."),
    tree_out: Path = typer.Option(None, "--tree-out", help="Also write the tree's standard-v1 dump here."),
    store_dir: Path = StoreOption,
    previous_tree: Path = typer.Option(None, "--previous-tree", help="The previous epoch's tree dump, to rebuild a lost store."),
    dev_account: int = DevAccountOption,
    keystore: Path = KeystoreOption,
) -> None:
    """Allocate the epoch's emission and revenue pool to work (each epoch's, with --through), post the root,
    write tree and proofs."""
    last = epoch if through is None else through
    check_range(epoch, last)
    work_file = workfile.load(work, contract_names(manifests.load(deployment)))
    session = open_session(rpc_url, deployment, dev_account, keystore)
    d = session.d
    # Nodes the registry does not know, retired or owned by another account are refused before the store is touched.
    work_file = nodes.check(d, work_file, last, str(work))
    store = SettlementStore(store_dir or default_dir(deployment))
    state = read_state(d, epoch, last)
    now = d.rpc.timestamp()
    if previous_tree is not None:
        if epoch == 0 or state.next_epoch != epoch:
            raise FlywheelError("--previous-tree only applies when closing the next epoch after the first")
        preflight(d, state, epoch, last, now)  # adopting writes to the store: not for a close that will be refused
        store.adopt(epoch - 1, previous_tree, state.latest_root)
    plan = prepare(d, store, epoch, last, work_file.accounts, now, state)
    sender = session.sender()
    require_role(d, "reward_distributor", "reporter", sender.address, f"closing {plan.describe()}")
    check_finalize(d, sender.address, plan)
    sender.about_to_send()
    post(d, sender.submitter, sender.wallet, store, plan, now, tree_out, workfile.dump(work_file))
    for table in plan_tables(plan, token(d), usd(d)):
        console.print(table)
    # The root on a line of its own: inside a table at 80 columns it would wrap and could not be copied whole.
    console.print(f"root: 0x{plan.tree.root.hex()}\ntree: {store.tree_path(last)}\nproofs: {store.proofs_path(last)}",
                  markup=False)


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
    already = checked.already + sent.already
    console.print(_paid_line(d, sent.paid, len(items)), markup=False)
    if already:
        # Someone else's claim paid these accounts first: they have their rewards, so this is no failure.
        console.print(f"already claimed by someone else: {_accounts(len(already))}", markup=False)
        for o in already:
            console.print(f"  {o.entitlement.account}", markup=False)
    if refused:
        console.print(f"refused {_accounts(len(refused))}:", markup=False)
        for r in refused:
            console.print(f"  {r.owed.entitlement.account}: {r.reason}", markup=False)
        raise _refusal_error(refused, len(items))


def _say(line: str) -> None:
    """Progress on a terminal only: piped, stderr carries nothing but a refusal's one line."""
    if is_terminal():
        err_console.print(line, markup=False, highlight=False)


@epoch_app.command("publish")
def publish(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    epoch: int = typer.Option(..., "--epoch", min=0, help="The finalized epoch to publish."),
    out: Path = typer.Option(..., "--out", help="Folder to write the bundle into (work.csv, tree.json, totals.json, README.txt)."),
    store_dir: Path = StoreOption,
) -> None:
    """Write an epoch's public bundle: what anyone needs to check its root with `flywheel epoch verify`."""
    if out.exists() and not out.is_dir():
        raise FlywheelError(f"--out {out} is a file, not a folder")
    store = SettlementStore(store_dir or default_dir(deployment))
    _, d = reach(rpc_url, deployment)
    logs = checking.read_logs(d.rpc, d.manifest, _say)
    for path in checking.publish(d.manifest, logs, store, epoch, out):
        console.print(str(path), markup=False)


@epoch_app.command("verify")
def verify(
    rpc_url: str = RpcOption,
    deployment: Path = DeploymentOption,
    epoch: int = typer.Option(..., "--epoch", min=0, help="The finalized epoch to check (a range is checked whole)."),
    work: Path = typer.Option(..., "--work", help="The epoch's work file (a bundle's work.csv)."),
    previous_tree: Path = typer.Option(None, "--previous-tree", help="The previous epoch's tree.json; default: "
                                       "previous-tree.json beside the work file, else the settlement store's."),
    tree: Path = typer.Option(None, "--tree", help="The published tree, to name the accounts that differ; default: "
                              "tree.json beside the work file, else the settlement store's."),
    store_dir: Path = typer.Option(None, "--store", help="A settlement store to take the trees from; not needed with a bundle."),
) -> None:
    """Recompute an epoch's root from its work file and the chain's logs, and compare it with the root on chain."""
    parsed = workfile.load(work)
    beside = work.resolve().parent
    previous_tree = previous_tree or _existing(beside / checking.BUNDLE["previous"])
    tree = tree or _existing(beside / checking.BUNDLE["tree"])
    store = SettlementStore(store_dir) if store_dir else _existing_store(default_dir(deployment))
    _, d = reach(rpc_url, deployment)
    logs = checking.read_logs(d.rpc, d.manifest, _say)
    verdict = checking.verify(d.manifest, logs, epoch, parsed, previous_tree=previous_tree, reference_tree=tree, store=store,
                              fly=token(d), dollars=usd(d))
    what = verdict.plan.describe()
    if verdict.verified:
        console.print("verified", markup=False)
        console.print(f"{what}: root {verdict.root}, {verdict.plan.contributors:,} accounts, "
                      f"{verdict.plan.work_units:,} work units", markup=False)
        return
    for line in verdict.problems:
        console.print(line, markup=False)
    raise FlywheelError(f"{what} does not verify: {verdict.problems[0]}")


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None


def _existing_store(path: Path) -> SettlementStore | None:
    return SettlementStore(path) if path.is_dir() else None
