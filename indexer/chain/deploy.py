"""Deploy the Flywheel contracts as a list of named steps, journaled so that a failure part-way can be finished.

A deployment is about ten transactions, and the wiring calls cannot be
undone or repeated (naming the gateway's distributor above all). So the
deployment is data: `plan` lists the steps (create a contract, call one of
its functions) and one loop (`Run.execute`) drives them, consulting and
updating a `Journal`. A step is done when the journal says so; the journal
records each contract's address as soon as its receipt arrives and each
wiring call's transaction hash, and is written atomically after every step.
A resumed run reuses every journaled contract (checked to have code on
chain) and sends only what is missing.

The one step whose fate a journal cannot know is the one in flight when a
run stopped: its transaction may have been mined and the answer lost. The
journal notes that step and the nonce it was sent with before sending, and
a resumed run settles it from the chain: a creation by looking for code at
the address that nonce determines, a wiring call by reading the state it
sets (distributor, role). Transactions of the signer still
waiting in the node's pool stop a resume until they are mined, since any of
them could be that step.

The token names its minter, the distributor, before the distributor
exists: its address follows from the signer's nonce (`system.ahead`), as
long as the creations go out back to back. The distributor's constructor
refuses a token that names another minter, so a resume after the signer
sent something else in between stops before sending, at the estimate.

Everything that can be known before sending is checked first: constructors
that would revert are found by estimating each creation's gas (those that
read contracts not created yet are budgeted from their size instead), and
the signer's balance must cover the whole remaining deployment.

The parameters that depend on the chain (genesis and root_delay) are
resolved against its id and its latest block's time (`params.resolve`)
before the contracts are even compiled, so one that does not fit the chain
is refused at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
import msgspec
from eth_utils import to_checksum_address
from web3 import Web3

from indexer import atomic
from indexer.chain import accounts, params as parameters, system
from indexer.chain.build import Artifact, build
from indexer.chain.manifest import Manifest
from indexer.chain.node import rpc_of
from indexer.chain.params import Params
from indexer.chain.wallet import Sender
from indexer.errors import FlywheelError

# Gas budgeted per wiring call, whose contract may not exist yet to estimate against; each uses 27,000 to 51,000.
CALL_GAS = 100_000
# A creation that cannot be estimated yet is budgeted at the base costs, 200 gas per byte of code stored
# (bounded by the init code's length) plus 16 of calldata, and room for the constructor's own work.
CREATE_BASE_GAS = 53_000
CREATE_GAS_PER_BYTE = 216
CREATE_WORK_GAS = 300_000
JOURNAL_KIND = "flywheel deploy journal"
JOURNAL_VERSION = 1

Progress = Callable[[str], None]
Addresses = system.Addresses


def ether(wei: int) -> str:
    """An amount of the chain's native currency in human units."""
    if wei == 0:
        return "0 ETH"
    text = f"{Decimal(wei) / 10**18:,.6f}".rstrip("0").rstrip(".")
    return "less than 0.000001 ETH" if text == "0" else f"{text} ETH"


def gwei(wei: int) -> str:
    return f"{Decimal(wei) / 10**9:,.3f}".rstrip("0").rstrip(".") + " gwei"


# --- the steps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One transaction of the deployment: create the contract of `key`, or call `fn` on it."""

    name: str  # unique; the journal's key for the step
    key: str
    fn: str | None = None  # None: a creation
    args: Callable[[Addresses], tuple] = lambda _: ()
    # For a call: whether its effect is already on chain, for settling a step whose answer was lost.
    done: Callable[[Any, Addresses], bool] | None = None

    @property
    def contract(self) -> str:
        return system.SOURCE[self.key]


def _creation(c: system.Contract, p: Params, roles: dict[str, str]) -> Step:
    return Step(c.source, c.key, args=lambda a: c.constructor(p, a, roles))


def _wiring(c: system.Call, roles: dict[str, str]) -> Step:
    def done(contract: Any, a: Addresses) -> bool:
        return c.expect(getattr(contract.functions, c.check)(*c.check_args(a, roles)).call(), a, roles)

    return Step(c.name, c.key, c.fn, lambda a: c.args(a, roles), done)


def plan(p: Params, roles: dict[str, str]) -> list[Step]:
    """Every step of a deployment with these parameters (resolved), in order: the contracts of
    `indexer.chain.system` (its mock only when the parameters name no existing payment token), then its wiring."""
    creates = [_creation(c, p, roles) for c in system.CONTRACTS if not (c.mock and p.payment_token)]
    return creates + [_wiring(c, roles) for c in system.WIRING]


def resolve_roles(params: Params, chain_id: int, deployer: str) -> dict[str, str]:
    local = chain_id == accounts.LOCAL_CHAIN_ID
    default_treasury = accounts.dev_account(1).address if local else deployer
    return {
        "admin": deployer,
        "reporter": params.reporter or deployer,
        "guardian": params.guardian or deployer,
        "treasury": params.treasury or default_treasury,
    }


# --- the journal --------------------------------------------------------------------------


def _params_json(p: Params) -> dict:
    values = {k: v for k, v in msgspec.structs.asdict(p).items() if v is not None}
    for key in ("initial_emission", "max_supply"):
        values[key] = str(values[key])  # uint256 stays exact for JSON readers of any language
    return values


@dataclass
class Journal:
    """What a deployment has done so far; saved after every step when it has a `path`."""

    chain_id: int
    signer: str
    params: Params  # resolved: genesis and root_delay set
    started_block: int
    steps: list[dict] = field(default_factory=list)  # {"step", "address"/"tx_hash", "block"} in order
    pending: dict | None = None  # {"step", "nonce", "after_block"}: sent or about to be, not yet recorded
    path: Path | None = None

    def done(self) -> set[str]:
        return {s["step"] for s in self.steps}

    def contracts(self) -> list[tuple[str, str]]:
        """(contract name, address) of every creation recorded, in order."""
        return [(s["step"], s["address"]) for s in self.steps if "address" in s]

    def addresses(self, steps: list[Step]) -> Addresses:
        keys = {s.name: s.key for s in steps}
        known = {keys[name]: address for name, address in self.contracts()}
        return ({"payment_token": self.params.payment_token} if self.params.payment_token else {}) | known

    def begin(self, step: Step, nonce: int, head: int) -> None:
        self.pending = {"step": step.name, "nonce": nonce, "after_block": head}
        self.save()

    def record(self, step: Step, **facts: object) -> None:
        self.steps.append({"step": step.name} | facts)
        self.pending = None
        self.save()

    def to_json(self) -> dict:
        return {"journal": JOURNAL_KIND, "version": JOURNAL_VERSION, "status": "unfinished", "chain_id": self.chain_id,
                "signer": self.signer, "started_block": self.started_block, "params": _params_json(self.params),
                "steps": self.steps, "pending": self.pending}

    def save(self) -> None:
        """Atomically: a crash leaves the previous journal or this one, never half of either."""
        if self.path is None:
            return
        try:
            atomic.write(self.path, json.dumps(self.to_json(), indent=2) + "\n")
        except OSError as exc:
            raise atomic.cannot_write(self.path, exc, "the deploy journal ") from None

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _bad(path: Path, why: str) -> FlywheelError:
    return FlywheelError(f"{path} is not a flywheel deploy journal: {why}")


def load_journal(path: Path) -> Journal:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FlywheelError(f"deploy journal not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(path, str(getattr(exc, "msg", None) or exc)) from None
    if not isinstance(data, dict) or data.get("journal") != JOURNAL_KIND:
        raise _bad(path, "no 'journal' marker")
    if data.get("version") != JOURNAL_VERSION:
        raise _bad(path, f"unsupported version {data.get('version')!r}")
    try:
        steps = [dict(s) for s in data["steps"]]
        if not all(isinstance(s.get("step"), str) for s in steps):
            raise TypeError("a step without a name")
        journal = Journal(int(data["chain_id"]), to_checksum_address(data["signer"]), parameters.parse(data["params"]),
                          int(data["started_block"]), steps, data.get("pending"), path)
    except FlywheelError as exc:
        raise _bad(path, str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(path, f"missing or malformed {exc}") from None
    for key in ("genesis", "root_delay"):
        if getattr(journal.params, key) is None:
            raise _bad(path, f"its parameters have no {key}")
    return journal


# --- driving the steps --------------------------------------------------------------------


class DeployStopped(FlywheelError):
    """A deployment stopped part-way; `journal` holds what is on chain."""

    def __init__(self, step: str, reason: str, journal: Journal) -> None:
        super().__init__(f"deploy stopped at {step}: {reason}")
        self.step = step
        self.reason = reason
        self.journal = journal


@dataclass(frozen=True)
class Cost:
    transactions: int
    gas: int  # the gas limits the transactions will carry
    max_fee: int  # per gas
    balance: int

    @property
    def wei(self) -> int:
        return self.gas * self.max_fee

    def line(self) -> str:
        return (f"{self.transactions} transactions, up to about {ether(self.wei)} of gas at {gwei(self.max_fee)}; "
                f"the signer has {ether(self.balance)}")


@dataclass
class Run:
    """A deployment in progress: its steps, the journal of what is done, and the signer that does the rest."""

    w3: Web3
    sender: Sender
    journal: Journal
    steps: list[Step]
    artifacts: dict[str, Artifact]
    notes: list[str] = field(default_factory=list)  # what resuming found, for the user

    def remaining(self) -> list[Step]:
        done = self.journal.done()
        return [s for s in self.steps if s.name not in done]

    def _init_code(self, step: Step, addresses: Addresses) -> bytes:
        art = self.artifacts[step.contract]
        data = self.w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor(*step.args(addresses)).data_in_transaction
        return bytes.fromhex(data[2:])

    def _function(self, step: Step, addresses: Addresses) -> Any:
        contract = self.w3.eth.contract(address=addresses[step.key], abi=self.artifacts[step.contract].abi)
        return getattr(contract.functions, step.fn)(*step.args(addresses))

    def _ahead(self, addresses: Addresses) -> Addresses:
        """Every contract not created yet, where it will be if the remaining creations go out back to back."""
        keys = [s.key for s in self.remaining() if s.fn is None and s.key not in addresses]
        return system.ahead(keys, self.sender.address, self.sender.wallet.nonce)

    def cost(self) -> Cost:
        """The gas of every remaining step at the current fee. A constructor that would revert stops here,
        before anything is sent; one that reads contracts not created yet (the distributor reads the token's
        minter and cap and the clocks) is budgeted until they exist, and so are the calls."""
        known = self.journal.addresses(self.steps)
        addresses = known | self._ahead(known)
        created = [s.key for s in self.steps if s.fn is None]
        gas = 0
        for step in self.remaining():
            if step.fn is not None:
                gas += CALL_GAS
                continue
            code = self._init_code(step, addresses)
            if system.READS[step.key] and not all(k in known for k in created[:created.index(step.key)]):
                gas += CREATE_BASE_GAS + CREATE_GAS_PER_BYTE * len(code) + CREATE_WORK_GAS
            else:
                gas += self.sender.submitter.estimate(self.sender.address, None, code, f"deploying {step.contract}")
        balance = self.sender.rpc.balance(self.sender.address)
        return Cost(len(self.remaining()), gas, self.sender.submitter.max_fee, balance)

    def require_funds(self) -> Cost:
        cost = self.cost()
        if cost.balance < cost.wei:
            raise FlywheelError(f"the signer {self.sender.address} cannot pay for the deployment: it needs about "
                                f"{ether(cost.wei)} ({cost.transactions} transactions at {gwei(cost.max_fee)}), "
                                f"and has {ether(cost.balance)}")
        return cost

    def _do(self, step: Step, addresses: Addresses, progress: Progress) -> None:
        rpc = self.sender.rpc
        self.journal.begin(step, self.sender.wallet.nonce, rpc.block_number())
        if step.fn is None:
            receipt = self.sender.transact(None, self._init_code(step, addresses | self._ahead(addresses)),
                                           f"deploying {step.contract}")
            address = to_checksum_address(receipt["contractAddress"])
            addresses[step.key] = address
            self.journal.record(step, contract=step.key, address=address, tx_hash=receipt["transactionHash"],
                                block=int(receipt["blockNumber"], 16))
            progress(f"{step.contract} at {address}")
        else:
            receipt = self.sender.call(self._function(step, addresses), step.name)
            self.journal.record(step, tx_hash=receipt["transactionHash"])
            progress(f"{step.name} in {receipt['transactionHash']}")

    def execute(self, progress: Progress = lambda _: None) -> Manifest:
        """Send every remaining step in order, journaling each; then describe the result."""
        addresses = self.journal.addresses(self.steps)
        self.journal.save()
        for step in self.remaining():
            try:
                self._do(step, addresses, progress)
            except (Exception, KeyboardInterrupt) as exc:
                reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc) or type(exc).__name__
                raise DeployStopped(step.name, reason, self.journal) from None
        return self.manifest()

    def manifest(self) -> Manifest:
        j = self.journal
        addresses = j.addresses(self.steps)
        usd = self.w3.eth.contract(address=addresses["payment_token"], abi=self.artifacts[system.SOURCE["payment_token"]].abi)
        blocks = [s["block"] for s in j.steps if "block" in s]
        return Manifest(
            chain_id=j.chain_id,
            deploy_block=min(blocks, default=j.started_block),
            contracts={key: addresses[key] for key in system.KEYS},
            parameters={k: int(v) for k, v in j.params.to_manifest().items()},
            payment_decimals=int(usd.functions.decimals().call()),
            roles=resolve_roles(j.params, j.chain_id, j.signer),
            payment_token_is_mock=j.params.payment_token is None,
        )


def _payment_decimals(w3: Web3, address: str, artifacts: dict[str, Artifact]) -> int:
    """An existing payment token must answer like an ERC-20, or the deployment would be built around nothing."""
    rpc = rpc_of(w3)
    if not rpc.code(address):
        raise FlywheelError(f"payment_token {address} has no contract code on this chain")
    try:
        return int(w3.eth.contract(address=address, abi=artifacts[system.SOURCE["payment_token"]].abi).functions.decimals().call())
    except FlywheelError:
        raise
    except Exception:
        raise FlywheelError(f"payment_token {address} does not answer decimals() like an ERC-20 token") from None


def start(w3: Web3, chain_id: int, params: Params, account: LocalAccount,
          artifacts: dict[str, Artifact] | None = None, journal_path: Path | None = None) -> Run:
    """A new deployment, checked but with nothing sent or written yet."""
    local = chain_id == accounts.LOCAL_CHAIN_ID
    if params.payment_token is None and not local:
        raise FlywheelError(f"chain {chain_id} is not a local chain: set payment_token in the params file (MockUSD is for local chains only)")
    rpc = rpc_of(w3)
    latest = rpc.block()
    # Before compiling: a parameter that does not fit the chain is refused at once.
    params = parameters.resolve(params, local=local, now=int(latest["timestamp"], 16))
    artifacts = artifacts or build()
    if params.payment_token is not None:
        _payment_decimals(w3, params.payment_token, artifacts)
    sender = Sender(rpc, account, chain_id)
    journal = Journal(chain_id, sender.address, params, int(latest["number"], 16), path=journal_path)
    return Run(w3, sender, journal, plan(params, resolve_roles(params, chain_id, sender.address)), artifacts)


def _settle_pending(run: Run) -> None:
    """Decide from the chain whether the step in flight when the last run stopped was done."""
    j, pending = run.journal, run.journal.pending
    if pending is None:
        return
    step = next((s for s in run.steps if s.name == pending.get("step")), None)
    if step is None or not isinstance(pending.get("nonce"), int):
        raise _bad(j.path or Path("journal"), "its pending step is not one of this deployment's")
    addresses = j.addresses(run.steps)
    rpc = run.sender.rpc
    if step.fn is None:
        address = system.created_address(j.signer, pending["nonce"])
        if rpc.nonce(j.signer, "latest") > pending["nonce"] and rpc.code(address):
            j.record(step, contract=step.key, address=address, tx_hash=None, block=pending.get("after_block", j.started_block),
                     found_on_chain=True)
            run.notes.append(f"{step.name} was mined before the last run stopped: its contract at {address} is reused")
            return
    elif step.done(run.w3.eth.contract(address=addresses[step.key], abi=run.artifacts[step.contract].abi), addresses):
        j.record(step, tx_hash=None, found_on_chain=True)
        run.notes.append(f"{step.name} was mined before the last run stopped: it is not sent again")
        return
    j.pending = None


def resume(w3: Web3, chain_id: int, journal: Journal, account: LocalAccount,
           artifacts: dict[str, Artifact] | None = None) -> Run:
    """The deployment a journal describes, checked against the chain, ready to send what is missing."""
    where = journal.path or Path("journal")
    if chain_id != journal.chain_id:
        raise FlywheelError(f"{where} is a deployment on chain {journal.chain_id}, and this node is chain {chain_id}")
    if account.address != journal.signer:
        raise FlywheelError(f"{where} was signed by {journal.signer}, and this signer is {account.address}: "
                            "resume with the same key")
    artifacts = artifacts or build()
    rpc = rpc_of(w3)
    steps = plan(journal.params, resolve_roles(journal.params, chain_id, journal.signer))
    names = [s.name for s in steps]
    recorded = [s["step"] for s in journal.steps]
    if recorded != names[:len(recorded)]:
        raise _bad(where, "its steps are not those of a deployment with its parameters")
    for name, address in journal.contracts():
        if not rpc.code(address):
            raise FlywheelError(f"{where}: {name} at {address} has no code on chain {chain_id}; "
                                "was the chain reset? Start a new deployment instead")
    if rpc.nonce(journal.signer, "pending") > rpc.nonce(journal.signer, "latest"):
        raise FlywheelError(f"the signer {journal.signer} has transactions waiting to be mined; "
                            "resume once they are, so that none of them is sent twice")
    run = Run(w3, Sender(rpc, account, chain_id), journal, steps, artifacts)
    _settle_pending(run)
    return run


def deploy(w3: Web3, chain_id: int, params: Params, progress: Progress = lambda _: None,
           artifacts: dict[str, Artifact] | None = None) -> Manifest:
    """Deploy everything with the chain's signer, journaled in memory only; returns the manifest (not yet written)."""
    run = start(w3, chain_id, params, accounts.signer(chain_id), artifacts)
    run.require_funds()
    return run.execute(progress)
