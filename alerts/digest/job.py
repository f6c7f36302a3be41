"""The scheduled digest: when it is due, how it is built from storage, and how it is delivered exactly once.

    [digest]
    schedule = "mon 08:00"        # weekday + time, "daily 08:00", or a cron expression ("0 8 * * 1-5")
    period = "7d"                 # in [monitor] timezone

On every daemon tick `digest_timer(app, now)` takes the most recent scheduled time <= now (the *slot*). If that
slot is not settled in the `digests` table, the digest covering [slot - period, slot) is built and sent to each
destination of `[digest] notify` that has not accepted it yet, and the slot is settled once every destination
accepted it (or refused it for good). So:
  - a digest missed while the daemon was down is sent at start, once: the slot is still unsettled;
  - it is never sent twice: a destination that accepted it is recorded right after it did;
  - only one slot is looked at: after a long outage the older slots are logged (and recorded as an event) as
    skipped, not sent in a burst of stale digests;
  - on the very first tick of a new installation the current slot is settled unsent: a slot that passed before
    the service ever ran was nobody's duty, and a digest at every first start would surprise;
  - a failed send is retried with backoff (5 min doubling to 3 h) until the next slot replaces it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from alerts import charts
from alerts.apprise_adapter import AppriseDestination, SendResult
from alerts.digest import HISTORY_PERIODS, DigestData, build_digest
from alerts.digest_html import Inline, fit_text, render_html, render_text, title
from alerts.digest_themes import brand_words
from alerts.render import Message
from monitor.clock import Clock
from monitor.config import Brand, Config
from monitor.errors import ConfigError
from monitor.storage.database import Database
from monitor.storage.digests import Digests
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions

log = logging.getLogger(__name__)

RETRY_FIRST = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=3)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SIMPLE = re.compile(r"^(?:(?P<day>[a-z]+)\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})$")
_EPSILON = timedelta(microseconds=1)


# ------------------------------------------------------------------------------------------------ schedule


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
        return Schedule(text, cron=cleaned)
    raise ConfigError(
        f"[digest]: key 'schedule': {text!r} is neither a weekday and time (mon 08:00, daily 08:00) "
        "nor a five-field cron expression (0 8 * * 1)"
    )


# ------------------------------------------------------------------------------------------------ building


@dataclass(frozen=True)
class Prepared:
    """One digest message's content: a section per brand, with its chart PNG (None when not drawn)."""

    datas: tuple[DigestData, ...]
    charts: tuple[bytes | None, ...]

    def chart_name(self, index: int) -> str:
        return f"digest-chart-{index + 1}.png"

    def email(self, *, inline: bool = True) -> tuple[Message, tuple[Inline, ...]]:
        """The email and its chart PNGs as attachments. With `inline` the HTML shows each as `<img src="cid:NAME">`
        (an inline part, what Gmail and Outlook show); without, it says the chart is attached."""
        files = tuple(Inline(self.chart_name(i), "image/png", png) for i, png in enumerate(self.charts) if png)
        if inline:
            images = [f"cid:{self.chart_name(i)}" if png else None for i, png in enumerate(self.charts)]
            return self._message(images), files
        notes = [f"(chart attached: {self.chart_name(i)})" if png else None for i, png in enumerate(self.charts)]
        return self._message([None] * len(self.charts), notes), files

    def standalone(self) -> Message:
        """The email with charts as data: URIs, for a preview file opened in a browser (never mailed: Gmail blocks
        data: images)."""
        images = [f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else None for png in self.charts]
        return self._message(images)

    def text(self, channel: str) -> Message:
        """The plain form for a chat, push or webhook destination, cut to what the channel accepts."""
        return Message(title(self.datas), fit_text(self.datas, channel=channel))

    def _message(self, images: Sequence[str | None], notes: Sequence[str | None] = ()) -> Message:
        html = render_html(self.datas, images, notes=notes)
        return Message(title(self.datas), render_text(self.datas, channel="email"), html)


def own_brands(config: Config, only: str | None = None) -> list[Brand]:
    own = [b for b in config.brands if b.role == "own"]
    if only is None:
        return own
    chosen = [b for b in own if b.name == only]
    if not chosen:
        raise ConfigError(f"no own brand named {only!r} (own brands: {', '.join(b.name for b in own) or 'none'})")
    return chosen


def collect(
    db: Database, config: Config, brands: Sequence[Brand], *, end: datetime, period: timedelta, now: datetime
) -> tuple[DigestData, ...]:
    """The figures for each brand from storage (on the database's thread)."""
    mentions, digests = Mentions(db), Digests(db)
    start = end - period
    competitors = [b.name for b in config.brands if b.role == "competitor"]
    voices = digests.counts_by_brand(start, end)
    waiting = mentions.unanswered()
    found = []
    for brand in brands:
        found.append(
            build_digest(
                brand=brand.name,
                history=mentions.list(brand=brand.name, since=end - HISTORY_PERIODS * period, until=end),
                unanswered=[m for m in waiting if m.brand == brand.name],
                first_responses=digests.first_responses(brand.name, start, end),
                voices=voices,
                competitors=competitors,
                end=end,
                period=period,
                now=now,
                zone=config.monitor.zone,
                ignore_words=brand_words([brand.name, *brand.terms]),
            )
        )
    return tuple(found)


def draw(datas: Sequence[DigestData]) -> tuple[bytes | None, ...]:
    """The charts (CPU work, no database: safe in a worker thread)."""
    return tuple(charts.daily_chart_png(d.daily, period_days=max(d.period.days, 1)) for d in datas)


def send_digest(sender: AppriseDestination, prepared: Prepared) -> SendResult:
    """Send one digest to one destination (blocking). Email gets the HTML with the charts as attached PNGs, shown
    in place (cid:) where the destination embeds them; other channels get the plain text in their own escaping,
    cut to fit."""
    if sender.channel != "email":
        return sender.send(prepared.text(sender.channel))
    message, files = prepared.email(inline=sender.inline_images)
    return sender.send(message, attachments=files)


# ------------------------------------------------------------------------------------------------ the timer


def _backoff(failures: int) -> timedelta:
    delay: timedelta = RETRY_FIRST * 2 ** max(failures - 1, 0)
    return min(delay, RETRY_MAX)


@dataclass
class DigestJob:
    """The scheduled digest, built by the composition root from explicit parts and ticked by the daemon."""

    db: Database
    config: Config
    senders: Mapping[str, AppriseDestination]
    clock: Clock

    async def tick(self, now: datetime) -> None:
        """Send the digest of the latest slot if it is still owed."""
        config = self.config
        if config.digest is None:
            return
        try:
            schedule = parse_schedule(config.digest.schedule)
        except ConfigError as exc:
            log.error("digest not scheduled: %s", exc)
            return
        period = config.digest.period
        zone = config.monitor.zone
        slot = schedule.last(now, zone)
        own = own_brands(config)
        groups = [(b.name, [b]) for b in own] if config.digest.per_brand else [("", own)]
        for key, brands in groups:
            if brands:
                await _settle(self, schedule, slot, key, brands, period, now)


async def _settle(
    app: DigestJob, schedule: Schedule, slot: datetime, key: str, brands: list[Brand], period: timedelta, now: datetime
) -> None:
    config, repo, zone = app.config, Digests(app.db), app.config.monitor.zone
    assert config.digest is not None
    if repo.settled(slot, key):
        return
    label = key or "all brands"
    last = repo.last_settled(key)
    if last is None:
        repo.settle(slot, key, None)
        log.info("digest for %s: the first one is due at the next scheduled time (%s)", label, schedule.text)
        return
    failures = repo.failures(slot, key)
    if failures and now < failures[-1] + _backoff(len(failures)):
        return
    if not failures and last < schedule.before(slot, zone):
        # Said once, on the first attempt at this slot: the owner should know a digest went missing.
        skipped = schedule.count_between(last, slot, zone)
        reason = f"digest for {label}: {skipped} older digest(s) after {last:%Y-%m-%d %H:%M} UTC were never sent; "
        reason += f"only the latest, scheduled for {slot:%Y-%m-%d %H:%M} UTC, is sent"
        log.warning("%s", reason)
        Events(app.db).add("digest-skipped", at=now, reason=reason)
    targets = [n for n in config.digest.notify if n not in repo.delivered_to(slot, key)]
    if not config.digest.notify:
        log.warning("digest for %s not sent: [digest] notify names no destination", label)
    prepared = None
    if targets:
        datas = collect(app.db, config, brands, end=slot, period=period, now=now)
        prepared = Prepared(datas, await asyncio.to_thread(draw, datas))
    refused: list[str] = []
    for name in targets:
        sender = app.senders.get(name)
        result = await asyncio.to_thread(send_digest, sender, prepared) if sender and prepared else None
        if result is not None and result.ok:
            repo.delivered(slot, key, name, app.clock.now())
            log.info("digest for %s sent to %s", label, name)
            continue
        detail = result.detail if result else "no such destination"
        repo.failed(slot, key, name, app.clock.now(), detail)
        log.error("digest for %s not delivered to %s: %s", label, name, detail)
        if result is None or not result.retryable:
            refused.append(name)
    delivered = repo.delivered_to(slot, key)
    if all(n in delivered or n in refused for n in config.digest.notify):
        repo.settle(slot, key, app.clock.now() if delivered else None)
