"""The ingest stages, in order: normalise -> dedup -> match -> score -> store -> decide (rules).

Matching decides which brand an item names and whether it is about it (monitor/relevance.py: the matcher, then
what the owner's "not about us" / "about us" taught). An item that names a brand but is not about it is stored with
status 'irrelevant' and the reason, and no rule ever sees it.

Each stage is a plain function or a small object passed in; `Pipeline.ingest` only wires them. A new mention and
the rule decisions about it are written in one transaction, so a crash can never leave a stored mention whose
alerts were not queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.aspects import Aspects
from monitor.matching import BrandMatcher, Verdict
from monitor.model import Item, Mention
from monitor.normalise import canonical_url, fingerprint
from monitor.relevance import BrandRelevance
from monitor.sentiment import Scorer, detect_language
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.relevance import HELD_BACK, Relevance

log = logging.getLogger(__name__)

# Kinds whose item URL names one story, so the same URL from two feeds is the same mention.
ARTICLE_KINDS = frozenset({"rss", "hackernews"})

# Called inside the transaction that stores a new mention; writes its decisions (events, outbox rows).
Decide = Callable[[Mention, datetime], None]


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
        self.relevance = BrandRelevance(matcher, detect=detect_language)
        self.taught = Relevance(db)
        self._learned_at: int | None = None

    def learn(self) -> None:
        """Teach the relevance models what the owner said, when they said something new since the last time."""
        taught = self.taught.taught()
        if taught != self._learned_at:
            self.relevance.learn(self.taught.lessons(self.matcher.brands))
            self._learned_at = taught

    def ingest(self, source: SourceInfo, items: Iterable[Item], now: datetime) -> IngestReport:
        report = IngestReport()
        self.learn()
        for item in items:
            self._one(source, item, now, report)
        return report

    def _one(self, source: SourceInfo, item: Item, now: datetime, report: IngestReport) -> None:
        url = canonical_url(item.url)
        print_ = fingerprint(source.name, item.external_id, item.title, item.text)
        with self.db.transaction():
            by_url = url if source.kind in ARTICLE_KINDS else None
            existing = self.mentions.find_duplicate(source.name, item.external_id, by_url, print_)
            if existing is not None:
                self.mentions.add_sighting(existing, source.name, item.external_id, now)
                report.seen_again += 1
                self._owner_reply(existing, item, now, report)
                return
            verdict = self._verdict(source, item)
            if verdict.brand is None:
                report.unmatched += 1
                return
            brand = verdict.brand
            # The owner answering it on the platform says it is about them, whatever the words say.
            held = not verdict.relevant and not item.answered_at
            # Sentiment toward the brand: what the text says about it, unless the source is about the brand by
            # nature (its own reviews) or the item is a rating of it, where the whole text is.
            terms = (brand, *self.matcher.terms_of(brand))
            about_brand = source.brand is not None or item.rating is not None
            score = self.scorer.score(
                _scored_text(item),
                rating=item.rating,
                rating_scale=item.rating_scale,
                language=item.language,
                target=None if about_brand else terms,
            )
            complaint = score.label == "negative"
            aspects = self.aspects.find(_scored_text(item), ignore=terms) if complaint else ()
            mention = self.mentions.insert(
                Mention(
                    id=None,
                    source=source.name,
                    kind=source.kind,
                    external_id=item.external_id,
                    url=url,
                    title=item.title,
                    text=item.text,
                    author=item.author,
                    published_at=item.published_at or now,
                    fetched_at=now,
                    language=score.language,
                    rating=item.rating,
                    rating_scale=item.rating_scale,
                    brand=brand,
                    sentiment=score.sentiment,
                    label=score.label,
                    status="irrelevant" if held else "responded" if item.answered_at else "new",
                    status_changed_at=item.answered_at,
                    fingerprint=print_,
                    engagement=dict(item.engagement),
                    answered_at=item.answered_at,
                    aspects=aspects,
                )
            )
            assert mention.id is not None
            self.events.add("ingested", at=now, mention_id=mention.id, reason=_describe(mention))
            if held:
                self.taught.hold(mention.id, verdict.reason, now)
                self.events.add(HELD_BACK, at=now, mention_id=mention.id, reason=verdict.reason)
                report.new.append(mention)
                report.held_back.append(mention)
                return
            if item.answered_at:
                self.events.add(
                    "responded", at=item.answered_at, mention_id=mention.id, reason="owner replied on the platform"
                )
            if self.decide is not None:
                self.decide(mention, now)
            report.new.append(mention)

    def _verdict(self, source: SourceInfo, item: Item) -> Verdict:
        if source.brand is not None:  # every item of the source is about its brand, unless it names an exclusion
            if self.matcher.excluded(source.brand, item.title, item.text):
                return Verdict(None, False, f"only an excluded phrase of {source.brand!r}")
            return Verdict(source.brand, True, f"every item of {source.name!r} is about {source.brand!r}")
        return self.relevance.judge(item.title, item.text, item.url, language=item.language)

    def _owner_reply(self, mention_id: int, item: Item, now: datetime, report: IngestReport) -> None:
        if item.answered_at is None:
            return
        mention = self.mentions.get(mention_id)
        if mention is None or mention.answered_at is not None:
            return
        self.mentions.set_answered(mention_id, item.answered_at, now)
        self.events.add("responded", at=now, mention_id=mention_id, reason="owner replied on the platform")
        report.answered += 1


def _scored_text(item: Item) -> str:
    if item.title and item.text and not item.text.startswith(item.title):
        return f"{item.title}. {item.text}"
    return item.text or item.title


def _describe(m: Mention) -> str:
    stars = f", {m.rating:g}/{m.rating_scale or 5:g} stars" if m.rating is not None else ""
    sentiment = f"{m.sentiment:+.2f}" if m.sentiment is not None else "unscored"
    return f"brand {m.brand!r}, {m.label} ({sentiment}){stars}, language {m.language or 'unknown'}"
