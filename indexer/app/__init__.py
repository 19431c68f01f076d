"""What the command line and the HTTP API both do, as plain functions: deploy to a manifest, simulate,
index to the head, run the demo, and read a report from an indexed database.

A command is a thin wrapper: it parses its options, calls one of these and prints what comes back;
the API calls the same functions and answers with what they return. So no command imports another,
and nothing here prints: a long operation tells how it goes through callbacks its caller passes (a
`log` of one-line messages, at the most a few more), which default to saying nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Log = Callable[[str], None]


def quiet(line: str) -> None:
    """A `Log` that says nothing."""
