"""The digest's figures: pure functions from stored mentions to a frozen `DigestData` per brand. No I/O, no clock.

    data = build_digest(brand="Acme", history=mentions, unanswered=waiting, first_responses=firsts,
                        voices={"Acme": 40, "Rival": 25}, end=slot, period=timedelta(days=7), now=now, zone=zone)

Windows are half-open and end at the digest's scheduled time, so a digest sent late (after an outage) covers the
same days as the one that was due: this period [end-p, end), the previous one [end-2p, end-p), and the baseline,
the four periods before this one [end-5p, end-p). Baseline counts are per-period means; baseline shares and
ratings are pooled over its mentions, so one quiet week does not swing them.

Text fields in the result are still untrusted (cleaned and cut, not escaped): the renderers escape per channel.
"""

from __future__ import annotations

import dataclasses
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts import escape
from alerts.digest.themes import Theme, themes
from monitor.aspects import Aspects
from monitor.hours import Promise
from monitor.model import ANSWERED_STATUSES, Mention
from monitor.workflow import answer_due

LABELS = ("negative", "neutral", "positive", "unscored")
BASELINE_PERIODS = 4
CHART_PERIODS = BASELINE_PERIODS + 1  # the chart shows this period and the baseline's
HISTORY_PERIODS = 13  # how far back "returning voices" look (a quarter of weekly digests)
QUOTE_CHARS = 200
QUOTES = 3
WAITING_STATUSES = frozenset({"new", "alerted", "acknowledged"})


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    start: datetime
    end: datetime
    periods: int  # how many digest periods these figures pool (1, or BASELINE_PERIODS)
    total: int
    by_source: tuple[tuple[str, int], ...]
    by_label: tuple[tuple[str, int], ...]
    rated: int
    average_rating: float | None  # out of 5, whatever the source's scale

    @property
    def per_period(self) -> float:
        return self.total / self.periods

    def label_share(self, label: str) -> float | None:
        """Share of scored mentions with this label; None when nothing was scored."""
        scored = sum(n for name, n in self.by_label if name != "unscored")
        return dict(self.by_label).get(label, 0) / scored if scored else None

    def source_per_period(self, source: str) -> float:
        return dict(self.by_source).get(source, 0) / self.periods


@dataclass(frozen=True, slots=True)
class Quote:
    mention_id: int | None
    source: str
    author: str
    published_at: datetime
    stars: float | None  # out of 5
    sentiment: float | None
    excerpt: str  # cleaned, at most QUOTE_CHARS characters, not escaped
    url: str | None  # only an http(s) URL that escape.safe_url accepted


@dataclass(frozen=True, slots=True)
class Waiting:
    quote: Quote
    status: str
    age: timedelta


@dataclass(frozen=True, slots=True)
class AnswerFigures:
    considered: int  # mentions of the period (not ignored)
    answered: int
    within_promise: int  # complaints answered by their deadline ([response], the inbox's deadline)
    due: int  # complaints answered, or whose deadline has passed: the denominator of `share_within_promise`
    median_first_response: timedelta | None
    resolved: int
    followed_up: int = 0  # complaints followed up in the period (the "Followed up" button, `followed-up`)
    promise: str = "24h"  # the promise in words ("1h of business hours (...)")

    @property
    def share_within_promise(self) -> float | None:
        return self.within_promise / self.due if self.due else None

    @property
    def resolved_share(self) -> float | None:
        return self.resolved / self.considered if self.considered else None


@dataclass(frozen=True, slots=True)
class Voice:
    brand: str
    count: int
    share: float
    own: bool


@dataclass(frozen=True, slots=True)
class ReturningVoice:
    author: str
    source: str
    now: int
    before: int
    negative: int  # over now + before
    positive: int

    @property
    def kind(self) -> str:
        if self.negative >= 2 and self.negative > self.positive:
            return "repeat complainer"
        if self.positive >= 2 and self.positive > self.negative:
            return "loyal customer"
        return "returning"


@dataclass(frozen=True, slots=True)
class Complaint:
    """A recurring complaint as the digest shows it: the aspect, its counts against before, and one quote (the
    sentence of a negative mention of the period that says it)."""

    theme: Theme
    quote: Quote


@dataclass(frozen=True, slots=True)
class DailyPoint:
    day: date
    counts: tuple[int, int, int, int]  # in LABELS order
    average_rating: float | None


@dataclass(frozen=True, slots=True)
class DigestData:
    brand: str
    zone: str
    now: datetime
    period: timedelta
    current: PeriodFigures
    previous: PeriodFigures
    baseline: PeriodFigures
    changes: tuple[str, ...]
    worst: tuple[Quote, ...]
    best: tuple[Quote, ...]
    unanswered: tuple[Waiting, ...]
    unanswered_total: int
    answers: AnswerFigures
    themes: tuple[Complaint, ...]
    voices: tuple[Voice, ...]
    returning: tuple[ReturningVoice, ...]
    daily: tuple[DailyPoint, ...]


# ------------------------------------------------------------------------------------------------ counting


def stars(m: Mention) -> float | None:
    """The rating on a 5-star scale: 8/10 and 4/5 are the same satisfaction."""
    if m.rating is None:
        return None
    scale = m.rating_scale or 5.0
    return m.rating / scale * 5.0 if scale > 0 else None


def within(mentions: Iterable[Mention], start: datetime, end: datetime) -> list[Mention]:
    return [m for m in mentions if start <= m.published_at < end]


def period_figures(mentions: Sequence[Mention], start: datetime, end: datetime, periods: int = 1) -> PeriodFigures:
    chosen = within(mentions, start, end)
    ratings = [r for r in (stars(m) for m in chosen) if r is not None]
    labels: Counter[str] = Counter(m.label for m in chosen)
    return PeriodFigures(
        start=start,
        end=end,
        periods=periods,
        total=len(chosen),
        by_source=tuple(sorted(Counter(m.source for m in chosen).items(), key=lambda kv: (-kv[1], kv[0]))),
        by_label=tuple((label, labels.get(label, 0)) for label in LABELS),
        rated=len(ratings),
        average_rating=statistics.fmean(ratings) if ratings else None,
    )


def _trend(now: float, before: float, tolerance: float) -> str:
    if abs(now - before) <= tolerance:
        return "about the same as"
    return "up from" if now > before else "down from"


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def change_lines(
    current: PeriodFigures, previous: PeriodFigures, baseline: PeriodFigures, unit: str
) -> tuple[str, ...]:
    """What changed, said plainly: "negative share 18%, up from 11%; usual 12%"."""
    lines = [
        f"{current.total} mentions, {_trend(current.total, previous.total, 0)} {previous.total}; "
        f"usual {baseline.per_period:.0f} a {unit}"
    ]
    for label in ("negative", "positive"):
        now, before, usual = (f.label_share(label) for f in (current, previous, baseline))
        if now is None:
            continue
        text = f"{label} share {_pct(now)}"
        if before is not None:
            # Compare what is shown: 18% vs 18% is "about the same", whatever the third decimal says.
            text += f", {_trend(round(now * 100), round(before * 100), 0)} {_pct(before)}"
        if usual is not None:
            text += f"; usual {_pct(usual)}"
        lines.append(text)
    if current.average_rating is not None:
        text = f"average rating {current.average_rating:.1f}/5 over {current.rated} ratings"
        if previous.average_rating is not None:
            text += f", {_trend(current.average_rating, previous.average_rating, 0.05)} {previous.average_rating:.1f}"
        if baseline.average_rating is not None:
            text += f"; usual {baseline.average_rating:.1f}"
        lines.append(text)
    return tuple(lines)


# ------------------------------------------------------------------------------------------------ mentions shown


def quote(m: Mention) -> Quote:
    title, text = escape.one_line(m.title), escape.one_line(m.text)
    body = text if not title or text.startswith(title) else (f"{title} — {text}" if text else title)
    return Quote(
        mention_id=m.id,
        source=m.source,
        author=escape.field(m.author, 80),
        published_at=m.published_at,
        stars=stars(m),
        sentiment=m.sentiment,
        excerpt=escape.field(body, QUOTE_CHARS),
        url=escape.safe_url(m.url),
    )


def _passage_quote(theme: Theme) -> Quote:
    """The theme's example, quoted by the sentence that says the complaint."""
    return dataclasses.replace(quote(theme.example), excerpt=escape.field(escape.one_line(theme.passage), QUOTE_CHARS))


def _tone(m: Mention) -> float:
    """One number for "how negative": the scorer's sentiment, else the stars mapped onto -1..1."""
    if m.sentiment is not None:
        return m.sentiment
    rating = stars(m)
    return (rating - 3.0) / 2.0 if rating is not None else 0.0


def extremes(mentions: Sequence[Mention], count: int = QUOTES) -> tuple[tuple[Quote, ...], tuple[Quote, ...]]:
    """The most negative and the most positive mentions; ties go to the newest, which the owner can still answer."""
    newest_first = sorted(mentions, key=lambda m: (m.published_at, m.id or 0), reverse=True)
    negative = sorted((m for m in newest_first if m.label == "negative"), key=_tone)
    positive = sorted((m for m in newest_first if m.label == "positive"), key=_tone, reverse=True)
    return tuple(quote(m) for m in negative[:count]), tuple(quote(m) for m in positive[:count])


def waiting(mentions: Sequence[Mention], now: datetime) -> tuple[Waiting, ...]:
    pending = sorted((m for m in mentions if m.status in WAITING_STATUSES), key=lambda m: (m.published_at, m.id or 0))
    return tuple(Waiting(quote(m), m.status, now - m.published_at) for m in pending)


def answer_figures(
    mentions: Sequence[Mention],
    first_responses: Mapping[int, datetime],
    now: datetime,
    promise: Promise | None = None,
    followed_up: int = 0,
) -> AnswerFigures:
    """How fast and how fully the period's mentions were answered.

    The first response is the earliest of the platform reply (`answered_at`) and the first "responded"/"resolved"
    event. "Within the promise" counts the complaints (what the promise covers: `monitor.workflow.is_complaint`)
    against the deadline the inbox shows (`answer_due`: `promise` from first seen, in business hours when
    configured); a complaint still unanswered whose deadline has not come is left out: it can still make it.
    """
    promise = promise or Promise()
    considered = [m for m in mentions if m.status != "ignored"]
    delays: list[timedelta] = []
    within = due = 0
    for m in considered:
        candidates = [t for t in (m.answered_at, first_responses.get(m.id or -1)) if t is not None]
        if not candidates and m.status in ANSWERED_STATUSES:
            candidates = [m.status_changed_at or m.published_at]
        first = min(candidates) if candidates else None
        if first is not None:
            delays.append(max(first - m.published_at, timedelta(0)))
        deadline = answer_due(m, promise)
        if deadline is None or (first is None and deadline > now):
            continue
        due += 1
        within += first is not None and first <= deadline
    return AnswerFigures(
        considered=len(considered),
        answered=len(delays),
        within_promise=within,
        due=due,
        median_first_response=_median(delays),
        resolved=sum(m.status in ("resolved", "follow_up") for m in considered),
        followed_up=followed_up,
        promise=promise.describe(),
    )


def _median(delays: Sequence[timedelta]) -> timedelta | None:
    if not delays:
        return None
    ordered = sorted(delays)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# ------------------------------------------------------------------------------------------------ voices


def share_of_voice(counts: Mapping[str, int], own: str, competitors: Sequence[str]) -> tuple[Voice, ...]:
    names = [own, *competitors]
    total = sum(counts.get(n, 0) for n in names)
    return tuple(
        sorted(
            (Voice(n, counts.get(n, 0), counts.get(n, 0) / total if total else 0.0, n == own) for n in names),
            key=lambda v: (-v.count, v.brand),
        )
    )


_NOBODY = frozenset({"", "anonymous", "anonyme", "a google user", "[deleted]", "deleted"})


def returning_voices(now: Sequence[Mention], before: Sequence[Mention], limit: int = 10) -> tuple[ReturningVoice, ...]:
    """Authors of this period seen in earlier periods. An author is a name *on one source*: the same name on two
    platforms is often two people."""

    def key(m: Mention) -> tuple[str, str]:
        return (m.source, unicodedata.normalize("NFKC", m.author).casefold().strip())

    earlier: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in before:
        earlier[key(m)].append(m)
    current: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in now:
        if key(m)[1] not in _NOBODY and key(m) in earlier:
            current[key(m)].append(m)
    found = []
    for k, mine in current.items():
        every = mine + earlier[k]
        found.append(
            ReturningVoice(
                author=escape.field(mine[0].author, 80),
                source=mine[0].source,
                now=len(mine),
                before=len(earlier[k]),
                negative=sum(m.label == "negative" for m in every),
                positive=sum(m.label == "positive" for m in every),
            )
        )
    found.sort(key=lambda v: (-(v.now + v.before), v.author))
    return tuple(found[:limit])


def daily(mentions: Sequence[Mention], start: datetime, end: datetime, zone: ZoneInfo) -> tuple[DailyPoint, ...]:
    """Mentions per local day by label, and the day's average stars (None on days without a rating)."""
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    counts: dict[date, list[int]] = {first + timedelta(days=i): [0, 0, 0, 0] for i in range((last - first).days + 1)}
    ratings: dict[date, list[float]] = defaultdict(list)
    for m in within(mentions, start, end):
        day = m.published_at.astimezone(zone).date()
        counts[day][LABELS.index(m.label) if m.label in LABELS else 3] += 1
        if (rating := stars(m)) is not None:
            ratings[day].append(rating)
    return tuple(
        DailyPoint(day, (c[0], c[1], c[2], c[3]), statistics.fmean(ratings[day]) if ratings[day] else None)
        for day, c in counts.items()
    )


# ------------------------------------------------------------------------------------------------ the whole digest


def build_digest(
    *,
    brand: str,
    history: Sequence[Mention],
    unanswered: Sequence[Mention],
    first_responses: Mapping[int, datetime],
    voices: Mapping[str, int],
    competitors: Sequence[str],
    end: datetime,
    period: timedelta,
    now: datetime,
    zone: ZoneInfo,
    ignore_words: frozenset[str] = frozenset(),
    waiting_limit: int = 15,
    promise: Promise | None = None,
    followed_up: int = 0,
    aspects: Aspects | None = None,
) -> DigestData:
    """`history`: the brand's mentions published before `end`, at least HISTORY_PERIODS back; `unanswered`: its
    mentions waiting for an answer, any age; `voices`: mentions of this period per brand (own and competitors);
    `promise`: [response] (`Config.promise`); `followed_up`: the brand's follow-ups done this period; `aspects`:
    what complaints are about (the shipped aspects and [aspects]); `ignore_words`: the brand's name and terms, which
    never count as an aspect."""
    start, prev_start = end - period, end - 2 * period
    current = period_figures(history, start, end)
    previous = period_figures(history, prev_start, start)
    baseline = period_figures(history, end - (BASELINE_PERIODS + 1) * period, start, BASELINE_PERIODS)
    this_period = within(history, start, end)
    worst, best = extremes(this_period)
    pending = waiting([m for m in unanswered if m.brand == brand and m.published_at < now], now)
    negatives_before = [m for m in within(history, prev_start, start) if m.label == "negative"]
    baseline_start = end - (BASELINE_PERIODS + 1) * period
    negatives_baseline = [m for m in within(history, baseline_start, start) if m.label == "negative"]
    recurring = themes(
        [m for m in this_period if m.label == "negative"],
        negatives_before,
        negatives_baseline,
        baseline_periods=BASELINE_PERIODS,
        aspects=aspects or Aspects.packaged(),
        ignore=ignore_words,
        tone=_tone,
    )
    return DigestData(
        brand=brand,
        zone=zone.key,
        now=now,
        period=period,
        current=current,
        previous=previous,
        baseline=baseline,
        changes=change_lines(current, previous, baseline, period_unit(period)),
        worst=worst,
        best=best,
        unanswered=pending[:waiting_limit],
        unanswered_total=len(pending),
        answers=answer_figures(this_period, first_responses, now, promise, followed_up),
        themes=tuple(Complaint(t, _passage_quote(t)) for t in recurring),
        voices=share_of_voice(voices, brand, competitors),
        returning=returning_voices(this_period, [m for m in history if m.published_at < start]),
        daily=daily(history, end - CHART_PERIODS * period, end, zone),
    )


def period_unit(period: timedelta) -> str:
    """How people name the period: "week" for 7 days, "day", else "period"."""
    return {timedelta(days=7): "week", timedelta(days=1): "day"}.get(period, "period")
