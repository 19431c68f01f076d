"""The one error type a user sees: a single clear line, then a non-zero exit."""


class FlywheelError(Exception):
    """A failure caused by input or environment, reported as one line without a traceback."""
