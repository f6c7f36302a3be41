"""One digest's content: its figures read from storage, its charts drawn, and the message frozen per destination.

    datas = collect(db, config, brands, end=slot, period=period, now=now)      # on the database's thread
    prepared = Prepared(datas, await asyncio.to_thread(draw, datas))           # CPU work, no database
    queue(outbox, prepared, key="digest:all:2026-11-15T23:00:00+00:00", destinations=..., notify=..., ...)

The digest is built once and put in the outbox as it will be sent, one row per destination: the subject and the
plain text in that destination's channel form, the HTML for email, and the chart PNGs as files of the row. The
delivery worker sends such a row as it is, so a retry next morning sends the figures of the slot, not of the retry.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from alerts.digest import charts
from alerts.digest.figures import (
    BASELINE_PERIODS,
    HISTORY_PERIODS,
    QUOTES,
    WAITING_SHOWN,
    WAITING_STATUSES,
    DigestData,
    Reading,
    boundaries,
    build_digest,
)
from alerts.digest.html import Inline, fit_text, render_html, render_text, title
from alerts.digest.themes import brand_words, choose, counted, themes
from alerts.render import Message
from monitor.aspects import Aspects
from monitor.config import Brand, Config
from monitor.errors import ConfigError
from monitor.hours import Promise
from monitor.storage.database import Database
from monitor.storage.digest_figures import DigestFigures
from monitor.storage.digests import DIGEST_RULE, Digests
from monitor.storage.followups import FollowUps
from monitor.storage.outbox import Outbox


class Target(Protocol):
    """What the digest needs to know of a destination to write its message (AppriseDestination is one)."""

    @property
    def channel(self) -> str: ...

    @property
    def inline_images(self) -> bool: ...


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

    def for_target(self, target: Target) -> tuple[Message, tuple[Inline, ...]]:
        """The message one destination gets. Email: the HTML with the charts as PNG files, shown in place (cid:)
        where the destination embeds them. Other channels: the plain text in their own form, cut to fit, no files
        (they would not be shown)."""
        if target.channel != "email":
            return self.text(target.channel), ()
        return self.email(inline=target.inline_images)

    def split(self) -> list[Prepared]:
        """One message per brand (`[digest] per_brand`)."""
        return [Prepared((d,), (c,)) for d, c in zip(self.datas, self.charts, strict=True)]

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
    start = end - period
    competitors = [b.name for b in config.brands if b.role == "competitor"]
    shares = Digests(db).counts_by_brand(start, end)
    aspects = Aspects.packaged(config.aspects)
    found = []
    for brand in brands:
        reading = read(
            db,
            brand.name,
            end=end,
            period=period,
            now=now,
            zone=config.monitor.zone,
            promise=config.promise,
            aspects=aspects,
            ignore=brand_words([brand.name, *brand.terms]),
            shares=shares,
        )
        found.append(
            build_digest(
                brand=brand.name,
                reading=reading,
                competitors=competitors,
                end=end,
                period=period,
                now=now,
                zone=config.monitor.zone,
                promise=config.promise,
            )
        )
    return tuple(found)


def read(
    db: Database,
    brand: str,
    *,
    end: datetime,
    period: timedelta,
    now: datetime,
    zone: ZoneInfo,
    promise: Promise,
    aspects: Aspects,
    ignore: frozenset[str],
    shares: Mapping[str, int],
) -> Reading:
    """What the digest of one brand needs from storage: counts made by the database over the periods, and only the
    mentions it shows (monitor/storage/digest_figures.py)."""
    q = DigestFigures(db)
    start, prev_start, baseline_start = end - period, end - 2 * period, end - (BASELINE_PERIODS + 1) * period
    edges = boundaries(end, period, zone)
    negative_now = q.negatives(brand, start, end)
    tallies, bare = q.aspect_tallies(brand, (baseline_start, prev_start, start))
    earlier = counted(tallies, bare, aspects, ignore)  # 0: the baseline before the previous period, 1: the previous
    picks = choose(
        negative_now,
        earlier[1],
        earlier[0] + earlier[1],
        baseline_periods=BASELINE_PERIODS,
        aspects=aspects,
        ignore=ignore,
    )
    examples = {m.id: m for m in q.mentions(sorted({p.example for p in picks})) if m.id is not None}
    waiting, waiting_total = q.waiting(brand, sorted(WAITING_STATUSES), before=now, limit=WAITING_SHOWN)
    return Reading(
        boundaries=edges,
        tallies=tuple(q.tallies(brand, edges)),
        worst=tuple(q.extremes(brand, start, end, "negative", count=QUOTES)),
        best=tuple(q.extremes(brand, start, end, "positive", count=QUOTES)),
        waiting=tuple(waiting),
        waiting_total=waiting_total,
        answered=tuple(q.answered(brand, start, end)),
        answer_counts=q.answer_counts(brand, start, end, due_since=promise.due_since(now)),
        themes=themes(picks, examples, aspects=aspects, ignore=ignore),
        authors_now=tuple(q.authors(brand, start, end)),
        authors_before=tuple(q.authors(brand, end - HISTORY_PERIODS * period, start)),
        shares=shares,
        followed_up=FollowUps(db).done_count(brand, start, end),
    )


def draw(datas: Sequence[DigestData]) -> tuple[bytes | None, ...]:
    """The charts (CPU work, no database: safe in a worker thread)."""
    return tuple(charts.daily_chart_png(d.daily, period_days=max(d.period.days, 1)) for d in datas)


def queue(
    outbox: Outbox,
    prepared: Prepared,
    *,
    key: str,
    notify: Sequence[str],
    targets: Mapping[str, Target],
    now: datetime,
    reason: str,
    priority: str = "normal",
) -> dict[str, str]:
    """Put the digest in the outbox for each destination of `notify`, due now, under `{key}:{destination}`;
    returns destination -> outbox key. A key queued before is not queued again (the digest is never sent twice).
    One transaction: every destination gets it, or none does."""
    keys: dict[str, str] = {}
    with outbox.db.transaction():
        for name in notify:
            target = targets.get(name)
            if target is None:
                continue  # not a configured destination: the config check refuses such a name at load
            message, files = prepared.for_target(target)
            keys[name] = f"{key}:{name}"
            outbox.enqueue_message(
                keys[name],
                destination=name,
                rule=DIGEST_RULE,
                now=now,
                priority=priority,
                reason=reason,
                subject=message.title,
                body=message.body,
                html=message.html,
                files=files,
            )
    return keys
