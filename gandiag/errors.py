"""The one exception a user is meant to see."""


class GandiagError(Exception):
    """A problem with the user's input or environment.

    The CLI prints its message as a single line and exits with code 2, without a
    traceback. The message names the bad value, what is allowed, and what to do.
    """


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped the work after it saved what it had.

    The CLI exits with 128 + the signal's number (130 for Ctrl-C), as a shell does, so
    scripts can tell an interrupted run from a finished one.
    """

    def __init__(self, signal_name: str, message: str = ""):
        super().__init__(message)
        self.signal_name = signal_name
