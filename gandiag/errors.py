"""The one exception a user is meant to see."""


class GandiagError(Exception):
    """A problem with the user's input or environment.

    The CLI prints its message as a single line and exits with code 2, without a
    traceback. The message names the bad value, what is allowed, and what to do.
    """
