"""Periodic work beyond polling and rules, registered with the daemon by the composition root."""

from __future__ import annotations

from monitor.config import Config
from monitor.daemon import Timer


def extra_timers(config: Config) -> tuple[Timer, ...]:
    """The digest timer, when a [digest] is configured."""
    if config.digest is None:
        return ()
    from alerts.digest_timer import digest_timer

    return (digest_timer,)
