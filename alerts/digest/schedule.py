"""When the digest is due: `[digest] schedule` parsed once, and the slots it names in the configured time zone.

    [digest]
    schedule = "mon 08:00"        # weekday + time, "daily 08:00", or a cron expression ("0 8 * * 1-5")

A *slot* is one scheduled time. `Schedule.last(now, zone)` is the most recent slot <= now, which the job owes;
`count_between` counts the slots an outage skipped, so the owner can be told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

from monitor.errors import ConfigError

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SIMPLE = re.compile(r"^(?:(?P<day>[a-z]+)\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})$")
_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True)
class Schedule:
    text: str
    weekday: int | None = None  # 0 = Monday; None = every day (simple form)
    at: time | None = None
    cron: str | None = None

    def last(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The most recent scheduled time <= now, in UTC. Wall-clock times are in `zone` (DST included)."""
        local = now.astimezone(zone)
        if self.cron is not None:
            # croniter's get_prev is strictly before its base: start just after now so that a slot exactly at
            # `now` counts, and step back once more if that start landed on a slot still in the future.
            it = croniter(self.cron, local + timedelta(seconds=1))
            found: datetime = it.get_prev(datetime)
            if found > now:
                found = it.get_prev(datetime)
            return found.astimezone(UTC)
        assert self.at is not None
        for back in range(8):
            day = local.date() - timedelta(days=back)
            if self.weekday is not None and day.weekday() != self.weekday:
                continue
            candidate = datetime.combine(day, self.at, tzinfo=zone)
            if candidate <= now:
                return candidate.astimezone(UTC)
        raise AssertionError("a weekly slot is always within the last 8 days")

    def before(self, slot: datetime, zone: ZoneInfo) -> datetime:
        return self.last(slot - _EPSILON, zone)

    def count_between(self, after: datetime, slot: datetime, zone: ZoneInfo, cap: int = 10_000) -> int:
        """Slots strictly between `after` and `slot` (the digests an outage skipped), at most `cap`."""
        count, cursor = 0, self.before(slot, zone)
        while cursor > after and count < cap:
            count += 1
            cursor = self.before(cursor, zone)
        return count


def parse_schedule(text: str) -> Schedule:
    """ "mon 08:00", "monday 8:00", "daily 08:00", "08:00", or a five-field cron expression."""
    cleaned = " ".join(text.strip().lower().split())
    if match := _SIMPLE.match(cleaned):
        hour, minute, day = int(match["h"]), int(match["m"]), match["day"]
        if hour > 23 or minute > 59:
            raise ConfigError(f"[digest]: key 'schedule': {text!r}: no such time of day")
        if day in (None, "daily", "day", "every"):
            return Schedule(text, None, time(hour, minute))
        if day[:3] in _DAYS and _DAYS[_DAYS.index(day[:3])].startswith(day[:3]):
            return Schedule(text, _DAYS.index(day[:3]), time(hour, minute))
        raise ConfigError(f"[digest]: key 'schedule': {text!r}: unknown weekday {day!r} (use mon, tue, ... sun)")
    if len(cleaned.split()) == 5 and croniter.is_valid(cleaned):
        try:  # "0 8 30 2 *" is well-formed and never comes: the daemon's first look for the last slot would fail
            croniter(cleaned, datetime(2026, 1, 1, tzinfo=UTC)).get_prev(datetime)
        except CroniterBadDateError:
            raise ConfigError(f"[digest]: key 'schedule': {text!r} names a day that never comes") from None
        return Schedule(text, cron=cleaned)
    raise ConfigError(
        f"[digest]: key 'schedule': {text!r} is neither a weekday and time (mon 08:00, daily 08:00) "
        "nor a five-field cron expression (0 8 * * 1)"
    )
