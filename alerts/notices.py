"""A source that keeps failing is news; one failure is not.

A failed fetch is retried with backoff and counted (`mention-monitor status` shows it). When a source has failed
`BROKEN_AFTER_ERRORS` times in a row and has not worked for `BROKEN_AFTER` (or never has), every destination gets one
notice — its new mentions are not being seen — and one more when it works again. Checked by the daemon's timer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from alerts.escape import one_line
from monitor.storage.database import Database, to_db
from monitor.storage.outbox import Outbox
from monitor.storage.schedule import Schedule, SourceHealth

log = logging.getLogger(__name__)

BROKEN_AFTER_ERRORS = 3
BROKEN_AFTER = timedelta(hours=1)
RULE = "source health"


def is_broken(health: SourceHealth, now: datetime) -> bool:
    return health.consecutive_errors >= BROKEN_AFTER_ERRORS and (
        health.last_success_at is None or now - health.last_success_at >= BROKEN_AFTER
    )


class SourceWatch:
    def __init__(self, db: Database, *, sources: Sequence[str], destinations: Sequence[str]) -> None:
        self.db = db
        self.sources = frozenset(sources)
        self.destinations = tuple(destinations)
        self.schedule = Schedule(db)
        self.outbox = Outbox(db)

    def check(self, now: datetime) -> int:
        """Queue the notices due now; return how many sources changed state (broke or healed)."""
        changed = 0
        for health in self.schedule.all_health():
            if health.name not in self.sources:
                continue
            if not health.broken_notified and is_broken(health, now):
                self._notify(health, now, broken=True)
                changed += 1
            elif health.broken_notified and health.consecutive_errors == 0:
                self._notify(health, now, broken=False)
                changed += 1
        return changed

    def _notify(self, health: SourceHealth, now: datetime, *, broken: bool) -> None:
        name = one_line(health.name)
        worked = health.last_success_at
        if broken:
            subject = f"Source {name} is failing"
            since = f"; it last worked {worked:%Y-%m-%d %H:%M} UTC" if worked else "; it has not worked yet"
            body = (
                f"{name} ({health.kind}) has failed {health.consecutive_errors} times in a row{since}. "
                f"Last error: {one_line(health.last_error or 'unknown')}. New mentions from it are not seen until "
                f"it works again; it is retried with backoff. `mention-monitor status` shows it."
            )
            episode = f"failing:{to_db(worked) or 'never'}"
            log.warning("source %s is failing: telling %d destination(s)", name, len(self.destinations))
        else:
            subject = f"Source {name} works again"
            body = f"{name} ({health.kind}) works again; its new mentions are being seen."
            episode = f"healed:{to_db(worked)}"
            log.info("source %s works again: telling %d destination(s)", name, len(self.destinations))
        with self.db.transaction():
            self.outbox.enqueue_notice(
                f"source:{health.name}:{episode}", self.destinations, rule=RULE, subject=subject, body=body, now=now
            )
            self.schedule.set_broken_notified(health.name, broken)
