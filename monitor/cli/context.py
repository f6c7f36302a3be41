"""What every command is given: its parsed arguments, a way to load the config, and the clock."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from monitor.clock import Clock
from monitor.config import Config
from monitor.durations import parse_duration
from monitor.errors import ConfigError


@dataclass(frozen=True)
class Context:
    args: argparse.Namespace
    # Reads and validates the config (exit 2 on error), resolving the secrets the command needs (main.secret_mode);
    # not every command needs a config.
    load: Callable[[], Config]
    clock: Clock

    def duration(self, option: str, text: str) -> timedelta:
        """A duration given on the command line, or a usage error naming the option."""
        try:
            return parse_duration(text)
        except ValueError as exc:
            raise ConfigError(f"{option}: {exc}") from None


Command = Callable[[Context], int]


class UsageError(Exception):
    """A command was given something it cannot take (an unknown brand, a weak password): exit 2, nothing changed."""
