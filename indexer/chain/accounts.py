"""Signing keys: anvil's well-known dev accounts on a local chain; a private key or an encrypted keystore.

Which signer, in order: `--dev-account N` (chain 31337 only), `--keystore
FILE` (the encrypted JSON that geth, Foundry's `cast wallet` and
eth-account write; its password from `FLYWHEEL_KEYSTORE_PASSWORD` or a
hidden prompt), `FLYWHEEL_PRIVATE_KEY`, and on a local chain the deployer
(dev account 0). Anywhere else, no signer is an error. No key or password is
ever part of a message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from indexer import userfiles
from indexer.errors import FlywheelError

LOCAL_CHAIN_ID = 31337

# The keys anvil derives from its default mnemonic; public test keys, never funded elsewhere.
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)


def dev_account(index: int) -> LocalAccount:
    return Account.from_key(DEV_KEYS[index])


@dataclass(frozen=True)
class SignerChoice:
    """What the command line said about the signer."""

    dev_account: int | None = None
    keystore: Path | None = None


def _hidden_prompt(text: str) -> str:
    import getpass

    if not sys.stdin.isatty():
        raise FlywheelError("the keystore needs a password: set FLYWHEEL_KEYSTORE_PASSWORD (no terminal to ask on)")
    return getpass.getpass(text)


def _from_keystore(path: Path, env: dict[str, str], prompt: Callable[[str], str]) -> LocalAccount:
    keyfile = userfiles.json_file(path, "keystore")
    if not isinstance(keyfile, dict) or "crypto" not in keyfile and "Crypto" not in keyfile:
        raise FlywheelError(f"keystore {path} is not an encrypted JSON keystore (no 'crypto' section)")
    password = env.get("FLYWHEEL_KEYSTORE_PASSWORD")
    if password is None:
        password = prompt(f"password for {path.name}: ")
    try:
        return Account.from_key(Account.decrypt(keyfile, password))
    except ValueError:
        raise FlywheelError(f"keystore {path}: wrong password, or the file is damaged") from None
    except Exception:
        raise FlywheelError(f"keystore {path} cannot be read as an encrypted JSON keystore") from None


def signer(chain_id: int, choice: SignerChoice = SignerChoice(), env: dict[str, str] | None = None,
           prompt: Callable[[str], str] = _hidden_prompt) -> LocalAccount:
    """The account that signs transactions on `chain_id`; the key itself is never shown."""
    env = dict(os.environ) if env is None else env
    if choice.dev_account is not None and choice.keystore is not None:
        raise FlywheelError("give one of --dev-account and --keystore, not both")
    if choice.dev_account is not None:
        if chain_id != LOCAL_CHAIN_ID:
            raise FlywheelError(f"--dev-account is for the local chain {LOCAL_CHAIN_ID} only; this is chain {chain_id}")
        if not 0 <= choice.dev_account < len(DEV_KEYS):
            raise FlywheelError(f"--dev-account must be between 0 and {len(DEV_KEYS) - 1}")
        return dev_account(choice.dev_account)
    if choice.keystore is not None:
        return _from_keystore(choice.keystore, env, prompt)
    key = env.get("FLYWHEEL_PRIVATE_KEY")
    if key:
        try:
            return Account.from_key(key.strip())
        except Exception:
            raise FlywheelError("FLYWHEEL_PRIVATE_KEY is not a valid private key") from None
    if chain_id == LOCAL_CHAIN_ID:
        return dev_account(0)
    raise FlywheelError(f"chain {chain_id} is not a local chain: pass --keystore FILE or set FLYWHEEL_PRIVATE_KEY to sign")
