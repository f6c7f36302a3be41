"""When each source is checked next, and one poll of one source.

Decisions are pure functions of `now` (no wall clock): `next_check_after_success` spreads sources with jitter and
honours what the server asked for; `next_check_after_failure` backs off with the project's one `Backoff`
(monitor/backoff.py), capped, and honours Retry-After. `poll` runs one fetch and records the outcome in the
database, so a restart keeps every schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.backoff import Backoff
from monitor.errors import FetchError
from monitor.pipeline import IngestReport, Pipeline, SourceInfo
from monitor.storage.schedule import Schedule
from sources.base import Source
from sources.http import HttpFetcher

log = logging.getLogger(__name__)

JITTER = 0.1  # +-10% of the interval, so sources configured alike do not all fire in the same second
MIN_BACKOFF = timedelta(seconds=60)


def next_check_after_success(
    now: datetime, interval: timedelta, rng: random.Random, server_asked: float | None = None
) -> datetime:
    spread = interval.total_seconds() * JITTER
    delay = interval.total_seconds() + rng.uniform(-spread, spread)
    if server_asked is not None:
        delay = max(delay, server_asked)
    return now + timedelta(seconds=max(1.0, delay))


def source_backoff(interval: timedelta, max_backoff: timedelta) -> Backoff:
    """A failing source is retried from its interval (at least a minute) doubling up to `max_backoff`, with jitter."""
    return Backoff(first=max(interval, MIN_BACKOFF), cap=max_backoff, jitter=JITTER)


def next_check_after_failure(
    now: datetime,
    interval: timedelta,
    consecutive_errors: int,
    max_backoff: timedelta,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime:
    """Backoff from the interval, capped at max_backoff; Retry-After wins if later."""
    backoff = source_backoff(interval, max_backoff)
    return backoff.next_attempt(now, consecutive_errors, rng=rng, retry_after=retry_after)


@dataclass(frozen=True)
class PollOutcome:
    source: str
    ok: bool
    report: IngestReport | None = None
    error: str | None = None
    consecutive_errors: int = 0
    not_modified: bool = False


async def poll(
    source: Source,  # type: ignore[type-arg]
    *,
    http: HttpFetcher,
    schedule: Schedule,
    pipeline: Pipeline,
    now: datetime,
    interval: timedelta,
    max_backoff: timedelta,
    rng: random.Random,
    turn: asyncio.Lock | None = None,
) -> PollOutcome:
    """Fetch one source once, ingest what it found, and store the next check time. Never raises for a bad source.

    `turn`, shared by the polls of a round, makes them ingest one at a time, each after what was waiting for the
    event loop (a tick, the inbox, the answers of other fetches): the pipeline's stages run on the loop, and two
    polls whose documents were parsed at the same moment would otherwise hold it for both in one go."""
    name = source.name
    state = schedule.state(name)
    try:
        result = await source.fetch(http, state)
    except FetchError as exc:
        return _failed(schedule, name, str(exc), now, interval, max_backoff, rng, exc.retry_after)
    except Exception as exc:
        log.exception("source %s raised an unexpected error", name)
        return _failed(schedule, name, f"internal error: {type(exc).__name__}: {exc}", now, interval, max_backoff, rng)
    info = SourceInfo(name=name, kind=source.kind, brand=source.config.brand)
    report = IngestReport()
    # Nothing new (a 304, an empty page): nothing for the pipeline to do, not even to read what the owner taught.
    if result.items:
        async with turn or contextlib.nullcontext():
            await asyncio.sleep(0)
            report = pipeline.ingest(info, result.items, now)
    schedule.record_success(
        name,
        result.state,
        now=now,
        next_check_at=next_check_after_success(now, interval, rng, result.next_check_after),
        items=len(report.new),
        skipped=result.skipped,
    )
    return PollOutcome(source=name, ok=True, report=report, not_modified=result.not_modified)


def _failed(
    schedule: Schedule,
    name: str,
    error: str,
    now: datetime,
    interval: timedelta,
    max_backoff: timedelta,
    rng: random.Random,
    retry_after: float | None = None,
) -> PollOutcome:
    health = schedule.health(name)
    errors = (health.consecutive_errors if health else 0) + 1
    next_at = next_check_after_failure(now, interval, errors, max_backoff, rng, retry_after)
    count = schedule.record_failure(name, error, now=now, next_check_at=next_at)
    log.warning("source %s failed (%d in a row), next try %s: %s", name, count, next_at.isoformat(), error)
    return PollOutcome(source=name, ok=False, error=error, consecutive_errors=count)
