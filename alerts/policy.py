"""Noise control decisions, pure functions of `now`: quiet hours, rate limits and the spacing of SMS and push, how
many messages a burst may take, and the destinations' retry backoff (an instance of the project's one
`monitor.backoff.Backoff`), which a destination's Retry-After can lengthen."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.backoff import Backoff
from monitor.config import QuietHours
from monitor.durations import format_duration
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


# The least time between two messages to one destination, by channel (render.py's forms). Apprise's own pause
# between two sends (5.5 s for e-mail, ntfy and Pushover, 1.2 s for Slack, 0.2 s for Twilio; slept in its worker
# thread on the wall clock) is turned off (apprise_adapter.py): pacing is ours, on the injected clock, with a reason.
# E-mail, chat and webhooks need no more than `rate_limit`: a burst goes out at once, in as few messages as their forms
# allow. An SMS or a push notification rings a phone, and each one is billed (SMS, per message) or counted against
# the service's limits (an ntfy server answers 429 after a burst of 60 requests; Pushover counts a monthly quota):
# nobody reads them faster than one a minute, so a burst becomes one message that lists what fits and counts the
# rest, and what comes within the minute waits for the next.
MIN_SPACING: Mapping[str, timedelta] = MappingProxyType({"sms": timedelta(minutes=1), "push": timedelta(minutes=1)})
_SPACED_WHAT = {"sms": "SMS", "push": "push notification"}


def rate_limited_until(sent_recently: list[datetime], limit: int, now: datetime) -> datetime | None:
    """With `limit` messages already sent in the last hour, the next may go when the oldest of them is an hour old."""
    recent = sorted(t for t in sent_recently if now - t < RATE_WINDOW)
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + RATE_WINDOW


def held_until(sent_recently: list[datetime], limit: int, channel: str, now: datetime) -> tuple[datetime, str] | None:
    """When the next message to a destination may go and why it waits, or None when it may go now: the rate limit
    (`limit` messages in any hour), then the channel's MIN_SPACING after the last message."""
    limited = rate_limited_until(sent_recently, limit, now)
    if limited is not None:
        return limited, f"held: rate limit of {limit} messages an hour"
    gap = MIN_SPACING.get(channel)
    recent = [t for t in sent_recently if t <= now]
    if gap is None or not recent or max(recent) + gap <= now:
        return None
    return max(recent) + gap, f"held: one {_SPACED_WHAT.get(channel, channel)} every {format_duration(gap)} at most"


def burst_budget(sent_recently: list[datetime], limit: int, channel: str, now: datetime) -> int:
    """How many messages one delivery pass may spend on a destination's waiting alerts before they are packed into
    fewer: half of what the hour has left (rounded up), so that a burst never takes the whole hour and the alert
    after it still goes out at once (20 an hour: a burst takes 10, the next 5, then 3, 1, 1); one for a channel
    with a minimum spacing. Never less than one: packing only makes fewer messages; holding is the rate limit's."""
    if channel in MIN_SPACING:
        return 1
    left = limit - sum(1 for t in sent_recently if now - t < RATE_WINDOW)
    return max(1, (left + 1) // 2)


def retry_delay(consecutive_failures: int, *, asked: float | None = None) -> timedelta:
    """How long a destination that failed this many times in a row rests before the next attempt. `asked` is the
    seconds it asked for in Retry-After: honoured when longer than the backoff, up to RETRY_AFTER_CAP."""
    delay = DESTINATION_BACKOFF.delay(consecutive_failures)
    if asked is not None:
        delay = max(delay, timedelta(seconds=min(asked, RETRY_AFTER_CAP.total_seconds())))
    return delay
