"""The digest's figures: pure functions from what storage counted to a frozen `DigestData` per brand. No I/O, no clock.

    reading = compose.read(db, brand, ...)          # monitor/storage/digest_figures.py: counts made by the database
    data = build_digest(brand="Acme", reading=reading, competitors=["Rival"], end=slot,
                        period=timedelta(days=7), now=now, zone=zone)

Windows are half-open and end at the digest's scheduled time, so a digest sent late (after an outage) covers the
same days as the one that was due: this period [end-p, end), the previous one [end-2p, end-p), and the baseline,
the four periods before this one [end-5p, end-p). Baseline counts are per-period means; baseline shares and
ratings are pooled over its mentions, so one quiet week does not swing them.

The database counts the mentions of the chart's five periods per *stretch* (`boundaries`: the periods' edges and
every local midnight between them, so that each stretch lies in one period and one local day), source and label;
the periods and the daily chart are sums of stretches. Only the mentions the digest shows (the worst and best, the
oldest waiting, one example per recurring complaint) are read whole.

Text fields in the result are still untrusted (cleaned and cut, not escaped): the renderers escape per channel.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts import escape
from alerts.digest.themes import Theme
from monitor.hours import Promise
from monitor.model import Mention
from monitor.storage.digest_figures import AnswerCounts, Answered, Author, Tally

LABELS = ("negative", "neutral", "positive", "unscored")
BASELINE_PERIODS = 4
CHART_PERIODS = BASELINE_PERIODS + 1  # the chart shows this period and the baseline's
HISTORY_PERIODS = 13  # how far back "returning voices" look (a quarter of weekly digests)
QUOTE_CHARS = 200
QUOTES = 3
WAITING_STATUSES = frozenset({"new", "alerted", "acknowledged"})
WAITING_SHOWN = 15


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


@dataclass(frozen=True, slots=True)
class Reading:
    """What storage said about one brand for one digest (alerts.digest.compose.read): the counts per stretch
    between `boundaries` (see `boundaries()`), the few mentions shown, and the other figures' counts."""

    boundaries: tuple[datetime, ...]
    tallies: tuple[Tally, ...]
    worst: tuple[Mention, ...]  # the most negative of the period, ordered
    best: tuple[Mention, ...]
    waiting: tuple[Mention, ...]  # the oldest waiting for an answer, oldest first
    waiting_total: int
    answered: tuple[Answered, ...]  # the period's answered mentions
    answer_counts: AnswerCounts
    themes: tuple[Theme, ...]
    authors_now: tuple[Author, ...]  # the period's authors
    authors_before: tuple[Author, ...]  # ... of the HISTORY_PERIODS - 1 periods before
    shares: Mapping[str, int]  # mentions of the period per brand, own and competitors
    followed_up: int = 0


# ------------------------------------------------------------------------------------------------ counting


def stars(m: Mention) -> float | None:
    """The rating on a 5-star scale: 8/10 and 4/5 are the same satisfaction."""
    if m.rating is None:
        return None
    scale = m.rating_scale or 5.0
    return m.rating / scale * 5.0 if scale > 0 else None


def boundaries(end: datetime, period: timedelta, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The edges of the stretches the database counts over the chart's CHART_PERIODS periods: the periods' edges
    (the baseline's start, the previous period's, this one's, `end`) and every local midnight in between."""
    start = end - CHART_PERIODS * period
    edges = {start, end - 2 * period, end - period, end}
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    for i in range(1, (last - first).days + 1):
        midnight = datetime.combine(first + timedelta(days=i), time(0), tzinfo=zone).astimezone(UTC)
        if start < midnight < end:
            edges.add(midnight)
    return tuple(sorted(edges))


def _stretches(edges: Sequence[datetime], start: datetime, end: datetime) -> set[int]:
    return {i for i in range(len(edges) - 1) if start <= edges[i] and edges[i + 1] <= end}


def period_figures(
    tallies: Sequence[Tally], edges: Sequence[datetime], start: datetime, end: datetime, periods: int = 1
) -> PeriodFigures:
    """The figures of [start, end) (two of `edges`) from the counts per stretch."""
    inside = _stretches(edges, start, end)
    chosen = [t for t in tallies if t.bucket in inside]
    by_source: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    for t in chosen:
        by_source[t.source] += t.count
        labels[t.label] += t.count
    rated = sum(t.rated for t in chosen)
    return PeriodFigures(
        start=start,
        end=end,
        periods=periods,
        total=sum(t.count for t in chosen),
        by_source=tuple(sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_label=tuple((label, labels.get(label, 0)) for label in LABELS),
        rated=rated,
        average_rating=math.fsum(t.stars for t in chosen) / rated if rated else None,
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


def waiting(mentions: Sequence[Mention], now: datetime) -> tuple[Waiting, ...]:
    """The mentions waiting for an answer (given oldest first), with their age."""
    return tuple(Waiting(quote(m), m.status, now - m.published_at) for m in mentions)


def answer_figures(
    answered: Sequence[Answered],
    counts: AnswerCounts,
    promise: Promise | None = None,
    followed_up: int = 0,
) -> AnswerFigures:
    """How fast and how fully the period's mentions were answered.

    The first response is the earliest of the platform reply (`answered_at`) and the first "responded"/"resolved"
    event (else the status change of a mention responded or resolved without either). "Within the promise" counts
    the complaints (what the promise covers: `monitor.workflow.is_complaint`) against the deadline the inbox shows
    (`answer_due`: `promise` from first seen, in business hours when configured): every answered one, and those
    never answered whose deadline has passed (`counts.overdue`, counted by the database); a complaint still
    unanswered whose deadline has not come is left out: it can still make it.
    """
    promise = promise or Promise()
    delays = [max(a.first_response - a.published_at, timedelta(0)) for a in answered]
    complaints = [a for a in answered if a.complaint]
    within = sum(a.first_response <= promise.deadline(a.fetched_at) for a in complaints)
    return AnswerFigures(
        considered=counts.considered,
        answered=len(delays),
        within_promise=within,
        due=len(complaints) + counts.overdue,
        median_first_response=_median(delays),
        resolved=counts.resolved,
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


def returning_voices(now: Sequence[Author], before: Sequence[Author], limit: int = 10) -> tuple[ReturningVoice, ...]:
    """Authors of this period seen in earlier periods. An author is a name *on one source*: the same name on two
    platforms is often two people; on one source, names that differ only in case, width or spaces are one."""

    def key(a: Author) -> tuple[str, str]:
        return (a.source, unicodedata.normalize("NFKC", a.author).casefold().strip())

    current: dict[tuple[str, str], list[Author]] = defaultdict(list)
    for a in sorted(now, key=lambda a: a.newest, reverse=True):
        if key(a)[1] not in _NOBODY:
            current[key(a)].append(a)
    earlier: dict[tuple[str, str], list[Author]] = defaultdict(list)
    for a in before:
        if (k := key(a)) in current:
            earlier[k].append(a)
    found = []
    for k, mine in current.items():
        if k not in earlier:
            continue
        every = mine + earlier[k]
        found.append(
            ReturningVoice(
                author=escape.field(mine[0].author, 80),  # as the newest mention of the period spells it
                source=mine[0].source,
                now=sum(a.count for a in mine),
                before=sum(a.count for a in earlier[k]),
                negative=sum(a.negative for a in every),
                positive=sum(a.positive for a in every),
            )
        )
    found.sort(key=lambda v: (-(v.now + v.before), v.author))
    return tuple(found[:limit])


def daily(
    tallies: Sequence[Tally], edges: Sequence[datetime], start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[DailyPoint, ...]:
    """Mentions per local day by label, and the day's average stars (None on days without a rating)."""
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    counts: dict[date, list[int]] = {first + timedelta(days=i): [0, 0, 0, 0] for i in range((last - first).days + 1)}
    rated: dict[date, int] = defaultdict(int)
    summed: dict[date, list[float]] = defaultdict(list)
    inside = _stretches(edges, start, end)
    for t in tallies:
        if t.bucket not in inside:
            continue
        day = edges[t.bucket].astimezone(zone).date()  # a stretch lies within one local day
        counts[day][LABELS.index(t.label) if t.label in LABELS else 3] += t.count
        rated[day] += t.rated
        summed[day].append(t.stars)
    return tuple(
        DailyPoint(day, (c[0], c[1], c[2], c[3]), math.fsum(summed[day]) / rated[day] if rated[day] else None)
        for day, c in counts.items()
    )


# ------------------------------------------------------------------------------------------------ the whole digest


def build_digest(
    *,
    brand: str,
    reading: Reading,
    competitors: Sequence[str],
    end: datetime,
    period: timedelta,
    now: datetime,
    zone: ZoneInfo,
    promise: Promise | None = None,
) -> DigestData:
    """`reading`: what storage counted for the brand (compose.read); `promise`: [response] (`Config.promise`)."""
    start, prev_start = end - period, end - 2 * period
    edges, tallies = reading.boundaries, reading.tallies
    current = period_figures(tallies, edges, start, end)
    previous = period_figures(tallies, edges, prev_start, start)
    baseline = period_figures(tallies, edges, end - (BASELINE_PERIODS + 1) * period, start, BASELINE_PERIODS)
    return DigestData(
        brand=brand,
        zone=zone.key,
        now=now,
        period=period,
        current=current,
        previous=previous,
        baseline=baseline,
        changes=change_lines(current, previous, baseline, period_unit(period)),
        worst=tuple(quote(m) for m in reading.worst),
        best=tuple(quote(m) for m in reading.best),
        unanswered=waiting(reading.waiting, now),
        unanswered_total=reading.waiting_total,
        answers=answer_figures(reading.answered, reading.answer_counts, promise, reading.followed_up),
        themes=tuple(Complaint(t, _passage_quote(t)) for t in reading.themes),
        voices=share_of_voice(reading.shares, brand, competitors),
        returning=returning_voices(reading.authors_now, reading.authors_before),
        daily=daily(tallies, edges, end - CHART_PERIODS * period, end, zone),
    )


def period_unit(period: timedelta) -> str:
    """How people name the period: "week" for 7 days, "day", else "period"."""
    return {timedelta(days=7): "week", timedelta(days=1): "day"}.get(period, "period")
