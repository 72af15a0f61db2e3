"""The command line, on top of everything: it parses, builds a config, and calls a `run`."""

from gandiag.cli.commands import app, main

__all__ = ["app", "main"]
