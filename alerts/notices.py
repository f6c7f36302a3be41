"""Health notices, one mechanism for sources and destinations: persistent failure is news, a single failure is not.

A failure is retried with backoff and counted (`mention-monitor status` shows it). When something has been broken
for a while (`BrokenAfter`: enough failures in a row, and no success for long enough) the *other* destinations get
one notice, and one more when it works again. Each notice is an outbox row whose key names the episode, so a
restart or a second check never sends it twice.

    sources       3 failed polls in a row and nothing polled for an hour (or never): its mentions are not seen
    destinations  failing for 10 minutes, or refused for good at once: its alerts are kept, not delivered
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.escape import one_line
from monitor.storage.database import Database, to_db
from monitor.storage.outbox import Outbox
from monitor.storage.schedule import Schedule, SourceHealth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokenAfter:
    """When a run of failures becomes news."""

    failures: int  # at least this many failures in a row
    lasting: timedelta  # and no success for at least this long

    def holds(self, consecutive_failures: int, good_until: datetime | None, now: datetime) -> bool:
        """`good_until`: when it last worked (None: never, which counts as long enough)."""
        return consecutive_failures >= self.failures and (good_until is None or now - good_until >= self.lasting)


SOURCE_BROKEN = BrokenAfter(failures=3, lasting=timedelta(hours=1))
DESTINATION_BROKEN = BrokenAfter(failures=1, lasting=timedelta(minutes=10))
SOURCE_RULE = "source health"
DESTINATION_RULE = "destination health"


class Notices:
    """Queues operator notices (not about a mention) to every destination but the one they are about."""

    def __init__(self, outbox: Outbox, destinations: Sequence[str]) -> None:
        self.outbox = outbox
        self.destinations = tuple(destinations)

    def tell(
        self,
        key: str,
        subject: str,
        body: str,
        now: datetime,
        *,
        rule: str,
        about: str | None = None,
        high: bool = False,
    ) -> None:
        """`key` names the occasion (one notice per key and destination, ever); `about` is left out."""
        self.outbox.enqueue_notice(
            key,
            [d for d in self.destinations if d != about],
            rule=rule,
            subject=subject,
            body=body,
            now=now,
            priority="high" if high else "normal",
        )


class SourceWatch:
    """Checked by the daemon's timer: tells once when a source breaks and once when it heals."""

    def __init__(self, db: Database, *, sources: Sequence[str], notices: Notices) -> None:
        self.db = db
        self.sources = frozenset(sources)
        self.schedule = Schedule(db)
        self.notices = notices

    def check(self, now: datetime) -> int:
        """Queue the notices due now; return how many sources changed state (broke or healed)."""
        changed = 0
        for health in self.schedule.all_health():
            if health.name not in self.sources:
                continue
            broken = SOURCE_BROKEN.holds(health.consecutive_errors, health.last_success_at, now)
            if not health.broken_notified and broken:
                self._notify(health, now, broken=True)
                changed += 1
            elif health.broken_notified and health.consecutive_errors == 0:
                self._notify(health, now, broken=False)
                changed += 1
        return changed

    def _notify(self, health: SourceHealth, now: datetime, *, broken: bool) -> None:
        name = one_line(health.name)
        worked = health.last_success_at
        count = len(self.notices.destinations)
        if broken:
            subject = f"Source {name} is failing"
            since = f"; it last worked {worked:%Y-%m-%d %H:%M} UTC" if worked else "; it has not worked yet"
            body = (
                f"{name} ({health.kind}) has failed {health.consecutive_errors} times in a row{since}. "
                f"Last error: {one_line(health.last_error or 'unknown')}. New mentions from it are not seen until "
                f"it works again; it is retried with backoff. `mention-monitor status` shows it."
            )
            episode = f"failing:{to_db(worked) or 'never'}"
            log.warning("source %s is failing: telling %d destination(s)", name, count)
        else:
            subject = f"Source {name} works again"
            body = f"{name} ({health.kind}) works again; its new mentions are being seen."
            episode = f"healed:{to_db(worked)}"
            log.info("source %s works again: telling %d destination(s)", name, count)
        with self.db.transaction():
            self.notices.tell(f"source:{health.name}:{episode}", subject, body, now, rule=SOURCE_RULE)
            self.schedule.set_broken_notified(health.name, broken)
