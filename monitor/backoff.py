"""The one backoff: how long to wait before trying again after N failures in a row.

Sources (a failed poll), destinations (a refused alert or digest) all use `Backoff`; only the first delay and the
cap differ. The delay for attempt N comes from tenacity's exponential wait strategy (the user's chosen retry library),
so the formula is defined once and is the one tenacity users know: `first * 2 ** (N - 1)`, capped. The caller stores
the resulting *time* (`next_attempt`) in the database, so a restart keeps the schedule; nothing here sleeps.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenacity import RetryCallState, Retrying, wait_exponential

RETRY_AFTER_MAX = timedelta(days=1)  # the longest a server's Retry-After may postpone the next poll


@dataclass(frozen=True)
class Backoff:
    first: timedelta  # the wait after the first failure
    cap: timedelta  # never longer than this (before jitter)
    jitter: float = 0.0  # up to this fraction of the delay is added: peers that failed together retry apart

    def delay(self, failures: int, rng: random.Random | None = None) -> timedelta:
        """The wait after `failures` failures in a row (1 = the first failure)."""
        state = RetryCallState(Retrying(), None, (), {})
        state.attempt_number = max(1, failures)
        wait = wait_exponential(multiplier=self.first.total_seconds(), max=self.cap.total_seconds())
        seconds = wait(state)
        if self.jitter and rng is not None:
            seconds += rng.uniform(0, seconds * self.jitter)
        return timedelta(seconds=seconds)

    def next_attempt(
        self, now: datetime, failures: int, *, rng: random.Random | None = None, retry_after: float | None = None
    ) -> datetime:
        """When to try again; a server's Retry-After (seconds) wins when it asks for longer, up to RETRY_AFTER_MAX
        (a server asking for a year, or for more seconds than a timedelta holds, is asked again in a day)."""
        delay = self.delay(failures, rng)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=min(max(retry_after, 0.0), RETRY_AFTER_MAX.total_seconds())))
        return now + delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`: either delta-seconds or an HTTP-date. None when absent or unreadable.

    Read from a source's answer (sources/http.py) and from a destination's (alerts/apprise_adapter.py)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
