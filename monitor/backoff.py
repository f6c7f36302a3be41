"""The one backoff: how long to wait before trying again after N failures in a row.

Sources (a failed poll), destinations (a refused alert or digest) all use `Backoff`; only the first delay and the
cap differ. The delay for attempt N comes from tenacity's exponential wait strategy (the user's chosen retry library),
so the formula is defined once and is the one tenacity users know: `first * 2 ** (N - 1)`, capped. The caller stores
the resulting *time* (`next_attempt`) in the database, so a restart keeps the schedule; nothing here sleeps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenacity import RetryCallState, Retrying, wait_exponential


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
        """When to try again; a server's Retry-After (seconds) wins when it asks for longer."""
        delay = self.delay(failures, rng)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return now + delay
