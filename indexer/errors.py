"""The one error type a user sees: a single clear line, then a non-zero exit."""


class FlywheelError(Exception):
    """A failure caused by input or environment, reported as one line without a traceback."""


def first_line(message: object, default: str) -> str:
    """The first line of a message (an exception, a driver's error...), or `default` when it has none:
    compilers and database drivers follow the line that says what failed with pages of detail."""
    lines = ("" if message is None else str(message)).strip().splitlines()
    return lines[0] if lines else default


def unknown(what: str, value: str, choices: tuple[str, ...]) -> FlywheelError:
    """A value outside its choices, and the choices: `unknown interval 'x': choose one of epoch, day, ...`."""
    return FlywheelError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")
