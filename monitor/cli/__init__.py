"""The roof: the command line. `monitor.cli:main` is the console script; each command is one module here."""

from monitor.cli.main import main

__all__ = ["main"]
