"""The ingest stages, in order: normalise -> dedup -> match -> score -> store -> decide (rules).

Matching decides which brand an item names and whether it is about it (monitor/relevance.py: the matcher, then
what the owner's "not about us" / "about us" taught). An item that names a brand but is not about it is stored with
status 'irrelevant' and the reason, and no rule ever sees it.

Each stage is a plain function or a small object passed in; `Pipeline.ingest` only wires them. A poll's items are
stored in one transaction (one per STORE_CHUNK items of a big poll), with the rule decisions about its new mentions,
so a crash can never leave a stored mention whose alerts were not queued; and the poll's schedule is recorded only
after it, so a crash before the commit means the items are fetched and stored again. Matching and scoring, the CPU
work, happen before that transaction, for the items the database did not know a moment before; inside it, under the
locks of the batch's stories (PostgreSQL: another instance may be storing the same ones), the database is asked
again, and an item stored meanwhile is a sighting like any other. The writes are batched: a handful of statements
per poll, whatever its size.

Dedup is decided item by item, in order, as if each were stored before the next is looked at: an item is another
sighting of a stored mention with its (source, external id), else (for an article) of the first with its URL, else
of the first with its content fingerprint, the poll's own new mentions included (`_plan`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitor.aspects import Aspects
from monitor.matching import BrandMatcher, Verdict
from monitor.model import Item, Mention, Score
from monitor.normalise import canonical_url, fingerprint
from monitor.relevance import BrandRelevance
from monitor.sentiment import Scorer, Target
from monitor.storage.database import Database
from monitor.storage.events import Events, NewEvent
from monitor.storage.mentions import Known, Mentions
from monitor.storage.relevance import HELD_BACK, Relevance

log = logging.getLogger(__name__)

# Kinds whose item URL names one story, so the same URL from two feeds is the same mention.
ARTICLE_KINDS = frozenset({"rss", "hackernews"})
# Items per transaction: a poll yields at most sources.bounds.MAX_ITEMS (500); PostgreSQL holds two advisory locks
# per item until the commit, and its lock table is shared by every connection (64 per connection by default).
STORE_CHUNK = 250

# Called inside the transaction that stores a poll's new mentions, with those a rule may see (not the held-back
# ones), in order; writes its decisions (events, outbox rows).
Decide = Callable[[Sequence[Mention], datetime], None]


@dataclass
class IngestReport:
    new: list[Mention] = field(default_factory=list)  # every mention stored, the held-back ones too
    seen_again: int = 0
    unmatched: int = 0
    held_back: list[Mention] = field(default_factory=list)  # of `new`: named a brand, not about it ('irrelevant')
    answered: int = 0


@dataclass(frozen=True)
class SourceInfo:
    name: str
    kind: str
    brand: str | None


@dataclass(frozen=True, slots=True)
class _Entry:
    """An item and what identifies it: its canonical URL, the URL dedup goes by (articles only), its fingerprint."""

    item: Item
    url: str
    by_url: str | None
    fingerprint: str


@dataclass(frozen=True, slots=True)
class _Analysis:
    """What matching and scoring say of an item that names a brand."""

    verdict: Verdict
    score: Score
    aspects: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _New:
    """An item to store as a new mention; `index`: its position in the poll."""

    index: int
    entry: _Entry
    analysis: _Analysis


@dataclass(frozen=True, slots=True)
class _Seen:
    """An item that is another sighting of a mention: a stored one (its id), or a new one of the same batch."""

    entry: _Entry
    mention: int | _New


_Step = _New | _Seen | None  # None: names no brand, not stored


class Pipeline:
    def __init__(
        self,
        *,
        db: Database,
        matcher: BrandMatcher,
        scorer: Scorer,
        decide: Decide | None = None,
        aspects: Aspects | None = None,
    ) -> None:
        self.db = db
        self.mentions = Mentions(db)
        self.events = Events(db)
        self.matcher = matcher
        self.scorer = scorer
        self.decide = decide
        self.aspects = aspects or Aspects.packaged()
        self.relevance = BrandRelevance(matcher, detect=scorer.detect)
        self.taught = Relevance(db)
        self._learned_at: int | None = None
        self._targets: dict[str, tuple[tuple[str, ...], Target]] = {}

    def learn(self) -> None:
        """Teach the relevance models what the owner said, when they said something new since the last time."""
        taught = self.taught.taught()
        if taught != self._learned_at:
            self.relevance.learn(self.taught.lessons(self.matcher.brands))
            self._learned_at = taught

    def ingest(self, source: SourceInfo, items: Iterable[Item], now: datetime) -> IngestReport:
        report = IngestReport()
        self.learn()
        entries = [self._entry(source, item) for item in items]
        analyses: dict[int, _Analysis | None] = {}  # by position in `entries`; None: names no brand
        for start in range(0, len(entries), STORE_CHUNK):
            chunk = range(start, min(start + STORE_CHUNK, len(entries)))
            # Outside the transaction: match and score what the database does not know yet.
            self._plan(source, entries, chunk, self._known(source, entries, chunk), analyses)
            with self.db.transaction():
                self.mentions.lock_stories([entries[i].fingerprint for i in chunk], self._by_url(entries, chunk))
                steps = self._plan(source, entries, chunk, self._known(source, entries, chunk), analyses)
                self._store(source, steps, now, report)
        return report

    def _entry(self, source: SourceInfo, item: Item) -> _Entry:
        url = canonical_url(item.url)
        by_url = url if source.kind in ARTICLE_KINDS and url else None
        return _Entry(item, url, by_url, fingerprint(source.name, item.external_id, item.title, item.text))

    def _known(self, source: SourceInfo, entries: list[_Entry], chunk: range) -> Known:
        ids, prints = [entries[i].item.external_id for i in chunk], [entries[i].fingerprint for i in chunk]
        return self.mentions.known(source.name, ids, self._by_url(entries, chunk), prints)

    @staticmethod
    def _by_url(entries: list[_Entry], chunk: range) -> list[str]:
        return [url for i in chunk if (url := entries[i].by_url) is not None]

    def _plan(
        self,
        source: SourceInfo,
        entries: list[_Entry],
        chunk: range,
        known: Known,
        analyses: dict[int, _Analysis | None],
    ) -> list[_Step]:
        """What becomes of each item of `chunk`, in order, given what the database holds (`known`) and the chunk's
        items before it; an item that may be new is matched and scored (once: `analyses` keeps it)."""
        sightings: dict[str, int | _New] = dict(known.sightings)
        urls: dict[str, _New] = {}
        prints: dict[str, _New] = {}
        steps: list[_Step] = []
        for i in chunk:
            entry = entries[i]
            external_id = entry.item.external_id
            existing = sightings.get(external_id)
            if existing is None and entry.by_url is not None:
                existing = known.urls.get(entry.by_url) or urls.get(entry.by_url)
            if existing is None:
                existing = known.fingerprints.get(entry.fingerprint) or prints.get(entry.fingerprint)
            if existing is not None:
                sightings.setdefault(external_id, existing)
                steps.append(_Seen(entry, existing))
                continue
            if i not in analyses:
                analyses[i] = self._analyse(source, entry.item)
            analysis = analyses[i]
            if analysis is None:
                steps.append(None)
                continue
            new = _New(i, entry, analysis)
            sightings[external_id] = new
            urls.setdefault(entry.url, new)
            prints.setdefault(entry.fingerprint, new)
            steps.append(new)
        return steps

    def _analyse(self, source: SourceInfo, item: Item) -> _Analysis | None:
        """Match, score, and find what a complaint is about; None when the item names no brand."""
        verdict = self._verdict(source, item)
        if verdict.brand is None:
            return None
        terms, target = self._target(verdict.brand)
        # Sentiment toward the brand: what the text says about it, unless the source is about the brand by nature
        # (its own reviews) or the item is a rating of it, where the whole text is.
        about_brand = source.brand is not None or item.rating is not None
        text = _scored_text(item)
        score = self.scorer.score(
            text,
            rating=item.rating,
            rating_scale=item.rating_scale,
            language=item.language,
            target=None if about_brand else target,
        )
        aspects = self.aspects.find(text, ignore=terms) if score.label == "negative" else ()
        return _Analysis(verdict, score, aspects)

    def _target(self, brand: str) -> tuple[tuple[str, ...], Target]:
        """A brand's name and terms, and the sentiment target they make (built once per brand)."""
        if brand not in self._targets:
            terms = (brand, *self.matcher.terms_of(brand))
            self._targets[brand] = (terms, Target.of(terms))
        return self._targets[brand]

    def _store(self, source: SourceInfo, steps: list[_Step], now: datetime, report: IngestReport) -> None:
        """Write what `_plan` decided: the new mentions, their events and the rules' decisions, then the sightings
        and owner replies of the items seen before. Each mention's events come in the order the item-by-item
        pipeline wrote them."""
        new = [step for step in steps if isinstance(step, _New)]
        mentions = self.mentions.insert_many([self._mention(source, step, now) for step in new])
        stored = {step.index: mention for step, mention in zip(new, mentions, strict=True)}
        events: list[NewEvent] = []
        decide: list[Mention] = []
        for step in steps:
            if step is None:
                report.unmatched += 1
            elif isinstance(step, _New):
                mention = stored[step.index]
                assert mention.id is not None
                report.new.append(mention)
                events.append(NewEvent("ingested", now, mention.id, reason=_describe(mention)))
                if mention.status == "irrelevant":
                    reason = step.analysis.verdict.reason
                    self.taught.hold(mention.id, reason, now)
                    events.append(NewEvent(HELD_BACK, now, mention.id, reason=reason))
                    report.held_back.append(mention)
                    continue
                if mention.answered_at:
                    events.append(
                        NewEvent("responded", mention.answered_at, mention.id, reason="owner replied on the platform")
                    )
                decide.append(mention)
        self.events.add_many(events)
        if self.decide is not None and decide:
            self.decide(decide, now)
        seen = [(step, _id(step.mention, stored)) for step in steps if isinstance(step, _Seen)]
        self.mentions.add_sightings(
            [(mention_id, source.name, s.entry.item.external_id, now) for s, mention_id in seen]
        )
        report.seen_again += len(seen)
        self._owner_replies([(mention_id, s.entry.item) for s, mention_id in seen], now, report)

    def _mention(self, source: SourceInfo, step: _New, now: datetime) -> Mention:
        item, analysis = step.entry.item, step.analysis
        # The owner answering it on the platform says it is about them, whatever the words say.
        held = not analysis.verdict.relevant and not item.answered_at
        assert analysis.verdict.brand is not None
        return Mention(
            id=None,
            source=source.name,
            kind=source.kind,
            external_id=item.external_id,
            url=step.entry.url,
            title=item.title,
            text=item.text,
            author=item.author,
            published_at=item.published_at or now,
            fetched_at=now,
            language=analysis.score.language,
            rating=item.rating,
            rating_scale=item.rating_scale,
            brand=analysis.verdict.brand,
            sentiment=analysis.score.sentiment,
            label=analysis.score.label,
            status="irrelevant" if held else "responded" if item.answered_at else "new",
            status_changed_at=item.answered_at,
            fingerprint=step.entry.fingerprint,
            engagement=dict(item.engagement),
            answered_at=item.answered_at,
            aspects=analysis.aspects,
        )

    def _verdict(self, source: SourceInfo, item: Item) -> Verdict:
        if source.brand is not None:  # every item of the source is about its brand, unless it names an exclusion
            if self.matcher.excluded(source.brand, item.title, item.text):
                return Verdict(None, False, f"only an excluded phrase of {source.brand!r}")
            return Verdict(source.brand, True, f"every item of {source.name!r} is about {source.brand!r}")
        return self.relevance.judge(item.title, item.text, item.url, language=item.language)

    def _owner_replies(self, seen: list[tuple[int, Item]], now: datetime, report: IngestReport) -> None:
        """Items seen before that show the owner's reply on the platform: their mention is answered, the first time."""
        replied = [(mention_id, item) for mention_id, item in seen if item.answered_at is not None]
        if not replied:
            return
        waiting = self.mentions.unanswered_of({mention_id for mention_id, _ in replied})
        for mention_id, item in replied:
            if mention_id not in waiting or item.answered_at is None:
                continue
            waiting.discard(mention_id)
            self.mentions.set_answered(mention_id, item.answered_at, now)
            self.events.add("responded", at=now, mention_id=mention_id, reason="owner replied on the platform")
            report.answered += 1


def _id(mention: int | _New, stored: dict[int, Mention]) -> int:
    """The id of a stored mention, or of one stored by this batch."""
    if isinstance(mention, int):
        return mention
    found = stored[mention.index].id
    assert found is not None
    return found


def _scored_text(item: Item) -> str:
    if item.title and item.text and not item.text.startswith(item.title):
        return f"{item.title}. {item.text}"
    return item.text or item.title


def _describe(m: Mention) -> str:
    stars = f", {m.rating:g}/{m.rating_scale or 5:g} stars" if m.rating is not None else ""
    sentiment = f"{m.sentiment:+.2f}" if m.sentiment is not None else "unscored"
    return f"brand {m.brand!r}, {m.label} ({sentiment}){stars}, language {m.language or 'unknown'}"
