"""The one error type a user sees: a single clear line, then a non-zero exit."""


class FlywheelError(Exception):
    """A failure caused by input or environment, reported as one line without a traceback."""


def first_line(message: object, default: str) -> str:
    """The first line of a message (an exception, a driver's error...), or `default` when it has none:
    compilers and database drivers follow the line that says what failed with pages of detail."""
    lines = ("" if message is None else str(message)).strip().splitlines()
    return lines[0] if lines else default
