"""The parts of the composition root (`monitor.service.app`) that a command needs without the daemon: the source
registry as the config reads it, the configured database, the configured scorer.

Here, apart from the app, so that the commands that only read or change the database (`mentions`, `status`, `ack`...)
or only score (`score`) import what they use and not what the daemon wires (Apprise, the rule engine, the web inbox,
the digest's charts): `mention-monitor mentions list` starts in a third of the time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import Config, SourceKinds
from monitor.storage import Database, open_database
from sources import source_kinds

if TYPE_CHECKING:
    from monitor.sentiment import Scorer


def source_configs() -> SourceKinds:
    """The source registry as the config needs it: kind -> config model."""
    return {name: kind.Config for name, kind in source_kinds().items()}


def scorer_for(config: Config) -> Scorer:
    """The scorer `[sentiment]` asks for (the daemon's, and `score --jsonl`'s when a config is found)."""
    from monitor.sentiment import build_scorer  # its models and numpy: only for the commands that score

    s = config.sentiment
    return build_scorer(
        backend=s.backend, negative_threshold=s.negative_threshold, positive_threshold=s.positive_threshold
    )


def open_db(config: Config) -> Database:
    return open_database(config.monitor.database)
