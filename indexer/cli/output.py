"""Console output shared by the commands: Rich on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys

from rich.console import Console

# Off a terminal tables are fitted to a wide page, whatever COLUMNS says (shells and CI runners set it
# for their own width): piped into a file or another program they read better with all their columns.
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def info(message: str) -> None:
    err_console.print(message)


def fail(message: str) -> None:
    """The one way an error reaches the user: a single `error: ` line on stderr, printed verbatim."""
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    err_console.print(f"error: {line}", markup=False, emoji=False, highlight=False)


def is_terminal() -> bool:
    return sys.stderr.isatty()
