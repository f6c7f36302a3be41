"""Noise control decisions, pure functions of `now`: quiet hours, rate limits, and the destinations' retry backoff
(an instance of the project's one `monitor.backoff.Backoff`), which a destination's Retry-After can lengthen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.backoff import Backoff
from monitor.config import QuietHours
from monitor.hours import BusinessHours

# A refused alert or digest is retried from 30 s, doubling up to 30 min: a down mail server delays, never drops.
DESTINATION_BACKOFF = Backoff(first=timedelta(seconds=30), cap=timedelta(minutes=30))
RATE_WINDOW = timedelta(hours=1)
# The longest wait a destination's Retry-After may impose: a server that asks for a day (or a year) cannot park the
# alerts; after this it is asked again, and may ask again.
RETRY_AFTER_CAP = timedelta(hours=1)


def quiet_until(
    quiet: QuietHours | Literal["closed"] | None, now: datetime, zone: ZoneInfo, hours: BusinessHours | None = None
) -> datetime | None:
    """When the quiet hours that contain `now` end, or None when it is not quiet now. Handles 22:00-07:00.
    "closed": quiet while the business is closed (`hours`, [response] business_hours), until it opens."""
    if quiet is None:
        return None
    if quiet == "closed":
        return hours.opens_next(now) if hours is not None else None
    local = now.astimezone(zone)
    start, end = quiet.start, quiet.end
    t = local.time()
    if start == end:
        return None
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


def rate_limited_until(sent_recently: list[datetime], limit: int, now: datetime) -> datetime | None:
    """With `limit` messages already sent in the last hour, the next may go when the oldest of them is an hour old."""
    recent = sorted(t for t in sent_recently if now - t < RATE_WINDOW)
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + RATE_WINDOW


def retry_delay(consecutive_failures: int, *, asked: float | None = None) -> timedelta:
    """How long a destination that failed this many times in a row rests before the next attempt. `asked` is the
    seconds it asked for in Retry-After: honoured when longer than the backoff, up to RETRY_AFTER_CAP."""
    delay = DESTINATION_BACKOFF.delay(consecutive_failures)
    if asked is not None:
        delay = max(delay, timedelta(seconds=min(asked, RETRY_AFTER_CAP.total_seconds())))
    return delay
