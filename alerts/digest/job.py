"""The scheduled digest: when a slot is due, the digest is built once and queued in the outbox, once.

    [digest]
    schedule = "mon 08:00"        # see schedule.py
    period = "7d"                 # in [monitor] timezone
    notify = ["owner_email"]

On every daemon tick `DigestJob.tick(now)` takes the most recent scheduled time <= now (the *slot*). If that slot is
not settled in the `digests` table, the digest covering [slot - period, slot) is built and queued in the outbox for
each destination of `[digest] notify` (see compose.queue), and the slot is settled in the same transaction. The
job's duty ends there: the delivery worker sends it like any other message, so quiet hours hold it, the rate limit
counts it, a failing destination's backoff applies, and the notification log records it once it was accepted.
  - a digest missed while the daemon was down is queued at start, once: the slot is still unsettled;
  - it is never queued twice: the slot is settled with the rows, and the outbox key makes a second row impossible;
  - only one slot is looked at: after a long outage the older slots are logged (and recorded as a `digest-skipped`
    event) as skipped, not sent in a burst of stale digests;
  - on the very first tick of a new installation the current slot is settled unsent: a slot that passed before
    the service ever ran was nobody's duty, and a digest at every first start would surprise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.digest.compose import Prepared, Target, collect, draw, own_brands, queue
from alerts.digest.schedule import Schedule, parse_schedule
from monitor.config import Brand, Config
from monitor.errors import ConfigError
from monitor.storage.database import Database
from monitor.storage.digests import Digests
from monitor.storage.events import Events
from monitor.storage.outbox import Outbox

log = logging.getLogger(__name__)


def slot_key(brand: str, slot: datetime) -> str:
    """The outbox key of one scheduled digest, without the destination (compose.queue appends it)."""
    return f"digest:{brand or 'all'}:{slot.isoformat()}"


@dataclass
class DigestJob:
    """The scheduled digest, built by the composition root from explicit parts and ticked by the daemon.
    `targets`: every configured destination, for the form of its message (channel, inline images)."""

    db: Database
    config: Config
    targets: Mapping[str, Target]

    async def tick(self, now: datetime) -> None:
        """Queue the digest of the latest slot if it is still owed."""
        config = self.config
        if config.digest is None:
            return
        try:
            schedule = parse_schedule(config.digest.schedule)
        except ConfigError as exc:
            log.error("digest not scheduled: %s", exc)
            return
        slot = schedule.last(now, config.monitor.zone)
        own = own_brands(config)
        groups = [(b.name, [b]) for b in own] if config.digest.per_brand else [("", own)]
        for key, brands in groups:
            if brands:
                await self._settle(schedule, slot, key, brands, config.digest.period, now)

    async def _settle(
        self, schedule: Schedule, slot: datetime, key: str, brands: list[Brand], period: timedelta, now: datetime
    ) -> None:
        config, repo, zone = self.config, Digests(self.db), self.config.monitor.zone
        assert config.digest is not None
        if repo.settled(slot, key):
            return
        label = key or "all brands"
        last = repo.last_settled(key)
        if last is None:
            repo.settle(slot, key, None)
            log.info("digest for %s: the first one is due at the next scheduled time (%s)", label, schedule.text)
            return
        if last < schedule.before(slot, zone):
            skipped = schedule.count_between(last, slot, zone)
            reason = f"digest for {label}: {skipped} older digest(s) after {last:%Y-%m-%d %H:%M} UTC were never sent; "
            reason += f"only the latest, scheduled for {slot:%Y-%m-%d %H:%M} UTC, is sent"
            log.warning("%s", reason)
            Events(self.db).add("digest-skipped", at=now, reason=reason)
        if not config.digest.notify:
            log.warning("digest for %s not sent: [digest] notify names no destination", label)
            repo.settle(slot, key, None)
            return
        datas = collect(self.db, config, brands, end=slot, period=period, now=now)
        prepared = Prepared(datas, await asyncio.to_thread(draw, datas))
        with self.db.transaction():
            queue(
                Outbox(self.db),
                prepared,
                key=slot_key(key, slot),
                notify=config.digest.notify,
                targets=self.targets,
                now=now,
                reason=f"digest for {label} scheduled for {slot.astimezone(zone):%Y-%m-%d %H:%M %Z}",
            )
            repo.settle(slot, key, now)
        log.info("digest for %s queued for %s", label, ", ".join(config.digest.notify))
